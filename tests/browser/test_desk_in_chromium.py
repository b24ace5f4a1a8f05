"""The desk in Chromium on a phone: the manager picks the arrival day, checks a party in to another free
unit, sees the step's words, and sets a unit out of service; the page keeps its CSP and its width."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.browser.conftest import PHONE, fits_the_screen, shot
from tests.browser.test_pages_in_chromium import bearer, log_in
from tests.conftest import Clock


async def test_the_manager_checks_a_party_in_and_sets_a_unit_out_of_service(
    browser: Browser, base_url: str, clock: Clock
) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        member = await bearer(api, "M0003")
        held = await api.post(
            "/api/bookings",
            json={
                "centre": "ifrane",
                "unit_type": "studio",
                "arrival": "2026-12-20",
                "departure": "2026-12-24",
                "guests": 2,
            },
            headers=member,
        )
        assert held.status_code == 201, held.text
        booking_id = held.json()["id"]
        checkout = await api.post(
            f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member
        )
        assert (
            await api.post(checkout.json()["redirect_url"] + "/confirm", headers=member)
        ).status_code == 303
    clock.advance(days=27)  # 20 December, the arrival day

    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await log_in(page, base_url, "manager-ifrane")
    await page.goto(f"{base_url}/manage/ifrane")
    await page.fill("#f-day", "2026-12-20")
    await page.get_by_role("button", name="Afficher ce jour").click()
    line = page.locator(f'tr[data-booking="{booking_id}"]')
    await expect(line).to_be_visible()
    await expect(line.locator("td.payment")).to_contain_text("payée")
    choice = line.locator("select[name=unit]")
    other = await choice.locator("option").nth(1).get_attribute("value")
    assert other
    await choice.select_option(other)
    await line.get_by_role("button", name="Enregistrer l’arrivée").click()
    await expect(page.locator("#flashes")).to_have_text(f"Arrivée enregistrée : logement {other}.")
    await expect(page.locator(f'tr[data-booking="{booking_id}"] .badge')).to_have_text("Sur place")
    assert await fits_the_screen(page)
    await shot(page, "manager-desk")

    room = page.locator('tr[data-unit="S01"]')
    if await room.count() == 0:
        room = page.locator("#housekeeping tbody tr").first
    await room.locator("select[name=state]").select_option("out_of_service")
    await room.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator("#flashes")).to_be_visible()
    await expect(page.locator("#housekeeping td.state.out_of_service")).to_have_count(1)
    await context.close()
