"""The outbox and the inbox in Chromium on a phone, under the pages' CSP: a member opens a message in
their inbox and reads it; head office's outbox fits the screen in both languages."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import fits_the_screen, shot
from tests.browser.test_pages_in_chromium import log_in
from tests.conftest import PASSWORD, STAY


async def _confirmed_stay(base_url: str, username: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        token = (
            await client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        held = await client.post("/api/bookings", json=STAY, headers=headers)
        assert held.status_code == 201, held.text
        paid = await client.post(
            f"/api/bookings/{held.json()['id']}/checkout",
            json={"method": "payroll", "instalments": 2},
            headers=headers,
        )
        assert paid.status_code == 200, paid.text


async def test_a_member_opens_a_message_in_the_inbox_and_staff_see_the_outbox_on_a_phone(
    phone: Page, base_url: str
) -> None:
    await _confirmed_stay(base_url, "M0001")
    await log_in(phone, base_url, "M0001")
    await phone.click("#nav-messages")
    message = phone.locator("#messages details").first
    body = message.locator(".message-body")
    await expect(body).to_be_hidden()
    await message.locator("summary").click()
    await expect(body).to_be_visible()
    await expect(body).to_contain_text("14:00")
    assert await fits_the_screen(phone)
    await shot(phone, "member-inbox")

    await phone.context.clear_cookies()
    await log_in(phone, base_url, "staff")
    for lang in ("fr", "ar"):
        if lang == "ar":
            await phone.click("header button[name=lang][value=ar]")
            await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        await phone.goto(f"{base_url}/staff/outbox")
        await expect(phone.locator("#outbox tbody tr")).to_have_count(1)
        assert await fits_the_screen(phone), lang
        await shot(phone, f"staff-outbox-{lang}")
