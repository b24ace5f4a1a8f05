"""The pass without a signal: the service worker keeps a confirmed stay's pass page and image, so the
page reloads with the network cut and still shows the QR; the gate view shows it large with the code."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from access.passformat import booking_code
from tests.browser.conftest import PHONE, fits_the_screen, shot
from tests.browser.test_pages_in_chromium import STAY, bearer, log_in


async def test_the_pass_page_reloads_offline_and_still_shows_the_qr(browser: Browser, base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        member = await bearer(api, "M0003")
        held = await api.post(
            "/api/bookings", json={**STAY, "unit_type": "studio", "guests": 2}, headers=member
        )
        assert held.status_code == 201, held.text
        booking_id = held.json()["id"]
        checkout = await api.post(
            f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member
        )
        paid = await api.post(checkout.json()["redirect_url"] + "/confirm", headers=member)
        assert paid.status_code == 303, paid.text

    context = await browser.new_context(viewport=PHONE, service_workers="allow")
    page = await context.new_page()
    await log_in(page, base_url, "M0003")
    await page.goto(f"{base_url}/bookings/{booking_id}")
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.reload()  # now under the worker's control: the page and its image are kept
    await _loaded(page, "#pass-image")
    # Not wait_for_function: it evaluates a string in the page, which the pages' CSP (no 'unsafe-eval')
    # refuses; page.evaluate goes through the devtools protocol.
    for _ in range(100):
        if (
            await page.evaluate("caches.open('estivage-pass-v1').then(c => c.keys()).then(k => k.length)")
            >= 2
        ):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the service worker kept nothing")

    await context.set_offline(True)
    await page.reload()
    await expect(page.locator("#pass-image")).to_be_visible()
    await _loaded(page, "#pass-image")
    await shot(page, "member-pass-offline")
    await context.set_offline(False)

    await page.click("#show-at-gate")
    await expect(page.locator("#booking-code")).to_have_text(booking_code(uuid.UUID(booking_id)))
    await _loaded(page, "#gate-qr")
    assert await fits_the_screen(page)
    await shot(page, "member-gate-view")
    await context.close()


async def _loaded(page: Page, selector: str) -> None:
    """The image is there and decoded (not a broken image)."""
    image = page.locator(selector)
    await expect(image).to_have_js_property("complete", True)
    assert await image.evaluate("image => image.naturalWidth") > 0
