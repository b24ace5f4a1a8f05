"""A member books and pays in Arabic on a phone; a manager sees the occupancy change and a gate scan
arrive as "on site" live; a form error is shown next to its field."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PHONE, fits_the_screen, shot, shot_only
from tests.conftest import NOW, PASSWORD, Clock

STAY = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": "2"}


async def log_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()


async def test_member_books_and_pays_in_arabic_on_a_phone(phone: Page, base_url: str) -> None:
    await log_in(phone, base_url, "M0002")  # prefers French; switches to Arabic here
    await phone.click("header button[name=lang][value=ar]")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await expect(phone.locator("h1")).to_have_text("البحث عن إقامة")

    # A wrong date range: the problem is shown next to the departure field, in Arabic.
    await phone.select_option("#f-centre", STAY["centre"])
    await phone.fill("#f-arrival", STAY["arrival"])
    await phone.fill("#f-departure", "2026-12-18")
    await phone.click("#search form button[type=submit]")
    problem = phone.locator(".field.invalid:has(#f-departure) #e-departure")
    await expect(problem).to_have_text("تواريخ غير صالحة.")
    await shot(phone, "member-search-error-ar")

    await phone.fill("#f-departure", STAY["departure"])
    await phone.click("#search form button[type=submit]")
    studio = phone.locator('article[data-unit-type="studio"]')
    await expect(studio).to_be_visible()
    await expect(studio.locator(".price")).to_contain_text("د.م.")
    assert "arrival=2026-12-20" in phone.url  # HTMX pushed the search to the address bar
    assert await fits_the_screen(phone)
    await shot(phone, "member-search-ar")

    await studio.locator("button[type=submit]").click()
    await expect(phone.locator("#status")).to_have_text("في انتظار الدفع")
    await phone.click("#pay-card")
    # The built-in test-mode payment page, in the member's language and direction.
    await expect(phone.locator("#test-mode")).to_have_text("وضع الاختبار — لا يتم تحويل أي مبلغ")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await phone.click("button[type=submit]")
    await expect(phone.locator("#payment-status")).to_have_text("تم استلام الدفع: حجزك مؤكد.")
    assert await fits_the_screen(phone)
    await shot(phone, "member-test-payment-ar")

    await phone.click("#back-to-booking")  # back into the app, on the booking just paid
    await expect(phone.locator("#status")).to_have_text("مؤكد")
    image = phone.locator("#pass-image")
    await expect(image).to_be_visible()
    # Not wait_for_function: it evaluates a string, which the pages' CSP (no 'unsafe-eval') refuses.
    await expect(image).to_have_js_property("complete", True)
    assert await image.evaluate("image => image.naturalWidth") > 0
    assert await fits_the_screen(phone)
    await shot(phone, "member-booking-paid-ar")


async def test_manager_sees_the_occupancy_change_and_a_scan_arrive_live(
    browser: Browser, base_url: str
) -> None:
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await log_in(page, base_url, "manager-ifrane")
    await page.goto(f"{base_url}/manage/ifrane?from=2026-12-20&to=2026-12-23")
    units = page.locator('tr[data-night="2026-12-20"] td.units')
    before = int(await units.inner_text())
    await expect(page.locator("#on-site")).to_have_text("0")

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

        await page.reload()
        await expect(units).to_have_text(str(before + 1))
        assert await fits_the_screen(page)
        await expect(page.locator('tr[data-night="2026-12-20"] td.persons')).not_to_have_text("0")
        await shot(page, "manager-occupancy")

        pass_id = (await api.get(f"/api/bookings/{booking_id}/pass", headers=member)).json()["pass_id"]
        staff = await bearer(api, "staff")
        device = await api.post(
            "/api/access/devices", json={"centre": "ifrane", "name": "Main gate"}, headers=staff
        )
        token = device.json()["token"]
        scan = {
            "event_id": str(uuid.uuid4()),
            "pass_id": pass_id,
            "direction": "in",
            "decision": "granted",
            "reason": "valid",
            "scanned_at": NOW.isoformat(),
        }
        stored = await api.post(
            "/api/access/scans", json={"events": [scan]}, headers={"Authorization": f"Bearer {token}"}
        )
        assert stored.json()["accepted"] == 1
    # No reload: the count arrives through the server-sent events stream, and the list follows it.
    await expect(page.locator("#on-site")).to_have_text("1", timeout=10_000)
    present = page.locator("#on-site-table tbody tr")
    await expect(present).to_have_count(1, timeout=10_000)
    await expect(present.locator("td").nth(2)).to_have_text("1")
    assert await fits_the_screen(page)
    await shot(page, "manager-on-site")
    await context.close()


async def bearer(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await api.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def htmx_idle(page: Page) -> None:
    """No htmx request on its way and no swap settling."""
    await expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


async def test_member_applies_for_summer_step_by_step_on_a_phone(
    phone: Page, base_url: str, clock: Clock
) -> None:
    """The guided form in Arabic: each select offers only what the one before allows (htmx swaps the
    form in place), the save is confirmed; the page fits 375 px in both languages, before and after the
    draw with its hashes opened."""
    async with httpx.AsyncClient(base_url=base_url) as api:
        staff = await bearer(api, "staff")
        opened = await api.post(
            "/api/campaigns",
            json={"season": "summer-2027", "applications_close_at": (NOW + timedelta(days=7)).isoformat()},
            headers=staff,
        )
        assert opened.status_code == 201, opened.text
    await log_in(phone, base_url, "M0001")  # prefers Arabic
    await phone.click("#nav-summer")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    form = phone.locator("#apply-summer-2027")
    rotation = form.locator('select[name="choices[0].rotation"]')
    unit_type = form.locator('select[name="choices[0].unit_type"]')
    await expect(rotation.locator('option[value="r1"]')).to_have_count(0)  # no centre chosen yet
    # Each change sends the form and swaps it in; a person changes one field, then looks: so does the test
    # (a change made while a swap is on its way would be made on the form being replaced).
    await form.locator('input[name="party_size"]').fill("6")
    await form.locator('input[name="party_size"]').press("Tab")
    await htmx_idle(phone)
    await form.locator('select[name="choices[0].centre"]').select_option("ifrane")
    await expect(rotation.locator('option[value="r1"]')).to_have_count(1)
    await htmx_idle(phone)
    await rotation.select_option("r1")
    await expect(unit_type.locator('option[value="bungalow"]')).to_have_count(1)
    await htmx_idle(phone)
    await expect(unit_type.locator('option[value="apt2"]')).to_have_count(0)  # five persons at most
    assert await fits_the_screen(phone)
    await shot(phone, "member-summer-guided-ar")
    await unit_type.select_option("bungalow")
    await form.locator("button.primary").click()
    await expect(phone.locator("#flashes")).to_have_text("تم حفظ طلبك.")
    await expect(phone.locator("#public-id-summer-2027")).to_have_text(re.compile(r"^S27-"))
    assert await fits_the_screen(phone)
    await shot(phone, "member-summer-applied-ar")
    await phone.click("header button[name=lang][value=fr]")
    await expect(phone.locator("html")).to_have_attribute("dir", "ltr")
    await phone.locator("#slots-summer-2027 summary").click()
    assert await fits_the_screen(phone)
    await shot(phone, "member-summer-applied-fr")

    clock.advance(days=8)
    async with httpx.AsyncClient(base_url=base_url) as api:
        staff = await bearer(api, "staff")
        assert (await api.post("/api/campaigns/summer-2027/close", headers=staff)).status_code == 200
        assert (await api.post("/api/campaigns/summer-2027/draw", headers=staff)).status_code == 200
    for lang in ("fr", "ar"):
        if lang == "ar":
            await phone.click("header button[name=lang][value=ar]")
            await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        else:
            await phone.reload()
        check = phone.locator("#check-summer-2027")
        await check.locator("summary").click()
        await expect(check.locator("#seed-summer-2027")).to_be_visible()
        assert await fits_the_screen(phone), lang
        # The 64-digit hashes wrap in lines, not one character a line.
        lines = await check.locator("#seed-summer-2027").evaluate("code => code.getClientRects().length")
        height = await check.locator("#seed-summer-2027").evaluate(
            "code => code.getBoundingClientRect().height"
        )
        assert lines >= 1
        assert height < 120, (lang, height)
        await shot(phone, f"member-summer-drawn-{lang}")


async def test_the_summer_form_guides_without_javascript(browser: Browser, base_url: str) -> None:
    """With scripts off, "Show the matching choices" sends the form back narrowed; nothing is saved until
    the member sends it."""
    async with httpx.AsyncClient(base_url=base_url) as api:
        opened = await api.post(
            "/api/campaigns",
            json={"season": "summer-2027", "applications_close_at": (NOW + timedelta(days=7)).isoformat()},
            headers=await bearer(api, "staff"),
        )
        assert opened.status_code == 201, opened.text
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    await log_in(page, base_url, "M0002")  # prefers French
    await page.goto(f"{base_url}/summer")
    form = page.locator("#apply-summer-2027")
    await form.locator('input[name="party_size"]').fill("6")
    await form.locator('select[name="choices[0].centre"]').select_option("ifrane")
    await form.locator("#refresh-summer-2027").click()
    rotation = form.locator('select[name="choices[0].rotation"]')
    await expect(rotation.locator('option[value="r1"]')).to_have_count(1)
    await rotation.select_option("r1")
    await form.locator("#refresh-summer-2027").click()
    unit_type = form.locator('select[name="choices[0].unit_type"]')
    await expect(unit_type.locator('option[value="bungalow"]')).to_have_count(1)
    await expect(unit_type.locator('option[value="apt2"]')).to_have_count(0)
    await expect(page.locator("#public-id-summer-2027")).to_have_count(0)  # nothing saved yet
    await unit_type.select_option("bungalow")
    await form.locator("button.primary").click()
    await expect(page.locator("#flashes")).to_have_text("Votre demande est enregistrée.")
    await expect(page.locator("#public-id-summer-2027")).to_have_text(re.compile(r"^S27-"))
    assert await fits_the_screen(page)
    # axe runs on timers a page without scripts never fires; the walk checks this page with them.
    await shot_only(page, "member-summer-no-script-fr")
    await context.close()


async def test_a_promotion_problem_shows_at_its_field_in_arabic(phone: Page, base_url: str) -> None:
    # Every staff page in both languages at both widths: test_every_page_in_chromium.py.
    await log_in(phone, base_url, "staff")
    await phone.click("header button[name=lang][value=ar]")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await phone.goto(f"{base_url}/staff/promotions")
    await phone.fill("#f-name", "Hiver")
    await phone.click("#new-promotion button[type=submit]")
    await expect(phone.locator("#e-percent")).to_have_text("هذا النوع من العروض يتطلب هذا الحقل.")
    await shot(phone, "staff-promotion-problem-ar")
