"""The CMI simulator drives a real browser: auto-submitted forms both ways, the card page, the return.

The reference merchant stands in for the app until the CMI provider is wired; what this proves is
that the simulator's pages work in Chromium as CMI's do (a POSTed form in, a POSTed form back). The
declined path and the hooks are tested over plain HTTP in tests/integration/test_cmi_simulator.py.
"""

from __future__ import annotations

from playwright.async_api import Browser, expect

from kernel.money import MAD, Money
from payments.domain.cmi import CmiStore
from tests.support.cmi_merchant import reference_merchant
from tests.support.cmi_simulator import APPROVING_CARDS, cmi_simulator

STORE = CmiStore("600000001", "TEST1234")


async def test_a_member_pays_on_the_arabic_card_page_and_comes_back_confirmed_by_the_callback(
    browser: Browser,
) -> None:
    with (
        cmi_simulator(STORE.client_id, STORE.store_key) as simulator,
        reference_merchant(STORE, simulator.gateway_url) as merchant,
    ):
        merchant.checkout("B1-1", Money(312_000, MAD), "ar")
        page = await browser.new_page()
        await page.goto(f"{merchant.url}/checkout/B1-1")
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await expect(page.locator("#amount")).to_have_text("3120.00")
        await page.locator("input[name=pan]").fill(next(iter(APPROVING_CARDS)))
        await page.locator("button[type=submit]").click()
        await expect(page.locator("#state")).to_have_text("B1-1 confirmed")
        assert page.url == f"{merchant.url}/ok"
        assert simulator.answers_for("B1-1") == ["ACTION=POSTAUTH"]
        await page.close()
