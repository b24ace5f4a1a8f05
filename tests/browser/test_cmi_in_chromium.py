"""A member pays a stay through CMI in Chromium, in French and in Arabic (issue 20): the booking page's
button, our page that posts the signed form to CMI by itself, the simulator's card page in the member's
language, the callback (server to server), the browser's return to okUrl, and the booking confirmed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from playwright.async_api import Browser, expect

from estivage.app import create_app
from kernel.settings import Settings
from tests.browser.conftest import PHONE, fits_the_screen, shot
from tests.browser.test_pages_in_chromium import log_in
from tests.conftest import PASSWORD, STAY, Clock
from tests.support.cmi_simulator import APPROVING_CARDS, CmiSimulator, cmi_simulator

CLIENT_ID, STORE_KEY = "600000001", "TEST1234"
WORDS = {
    "fr": ("Numéro de carte", "Paiement reçu : votre réservation est confirmée.", "Confirmée", "ltr"),
    "ar": ("رقم البطاقة", "تم استلام الدفع: حجزك مؤكد.", "مؤكد", "rtl"),
}


@pytest.fixture
def simulator() -> Iterator[CmiSimulator]:
    with cmi_simulator(CLIENT_ID, STORE_KEY) as running:
        yield running


@pytest.fixture
def app(settings: Settings, clock: Clock, simulator: CmiSimulator) -> Litestar:
    with_cmi = dataclasses.replace(
        settings,
        payments=("cmi",),
        cmi_client_id=CLIENT_ID,
        cmi_store_key=STORE_KEY,
        cmi_gateway_url=simulator.gateway_url,
    )
    return create_app(with_cmi, clock=clock)


@pytest.mark.parametrize("lang", ["fr", "ar"])
async def test_a_member_pays_a_stay_through_cmi_in_their_language(
    browser: Browser, base_url: str, simulator: CmiSimulator, lang: str
) -> None:
    card_words, paid_words, confirmed, direction = WORDS[lang]
    async with httpx.AsyncClient(base_url=base_url) as api:
        token = await api.post("/api/auth/token", json={"username": "M0002", "password": PASSWORD})
        member = {"Authorization": f"Bearer {token.json()['access_token']}"}
        booking = (await api.post("/api/bookings", json=STAY, headers=member)).json()

    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await log_in(page, base_url, "M0002")
    if lang == "ar":
        await page.click("header button[name=lang][value=ar]")
    await page.goto(f"{base_url}/bookings/{booking['id']}")
    await expect(page.locator("html")).to_have_attribute("dir", direction)
    await page.click("#pay-cmi")

    # Our page posted the signed form by itself: this is CMI's card page, in the member's language.
    await expect(page.locator("label").first).to_contain_text(card_words)
    assert page.url == simulator.gateway_url
    await expect(page.locator("html")).to_have_attribute("dir", direction)
    await expect(page.locator("#amount")).to_have_text("850.00")
    await shot(page, f"member-cmi-card-page-{lang}")
    await page.fill("input[name=pan]", next(iter(APPROVING_CARDS)))
    await page.click("button[type=submit]")

    # CMI called us back, then sent the browser back to okUrl: the payment's page says what was decided.
    await expect(page.locator("#payment-status")).to_have_text(paid_words)
    await expect(page.locator("html")).to_have_attribute("dir", direction)
    assert "/payments/cmi/" in page.url
    assert await fits_the_screen(page)
    await shot(page, f"member-cmi-paid-{lang}")
    await page.click("#back-to-booking")
    await expect(page.locator("#status")).to_have_text(confirmed)
    await expect(page.locator("#pass-image")).to_be_visible()
    [order] = {answer.order_id for answer in simulator.answers}
    assert simulator.answers_for(order) == ["ACTION=POSTAUTH"]
    await context.close()


async def test_without_script_the_member_continues_to_cmi_with_the_visible_button(
    browser: Browser, base_url: str, simulator: CmiSimulator
) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        token = await api.post("/api/auth/token", json={"username": "M0002", "password": PASSWORD})
        member = {"Authorization": f"Bearer {token.json()['access_token']}"}
        booking = (await api.post("/api/bookings", json=STAY, headers=member)).json()
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    await log_in(page, base_url, "M0002")
    await page.goto(f"{base_url}/bookings/{booking['id']}")
    await page.click("#pay-cmi")
    await expect(page.locator("#cmi-submit")).to_be_visible()  # our page: no script to post it
    await page.click("#cmi-submit")
    await expect(page.locator("#amount")).to_have_text("850.00")
    assert page.url == simulator.gateway_url
    await context.close()
