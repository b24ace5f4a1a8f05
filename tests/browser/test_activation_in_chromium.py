"""A member of the roster activates their account from the login page on a phone in Arabic, and resets
their password in French; a member's profile and head office's roster check: every page of the way fits
375 px (no sideways scrolling) under the CSP."""

from __future__ import annotations

import asyncio
import email.message

from playwright.async_api import Page, expect

from kernel.settings import Settings
from tests.browser.conftest import fits_the_screen, shot
from tests.browser.test_pages_in_chromium import log_in
from tests.e2e.test_activation import ADDRESS, BIRTH, NEW_PASSWORD, _as_imported
from tests.e2e.test_my_data import code_in, code_mails


async def _new_code(settings: Settings, already: int) -> str:
    """The code of the next message to the member (the request's work runs after its answer)."""
    found: list[email.message.EmailMessage] = []
    for _ in range(50):
        found = await code_mails(settings, ADDRESS)
        if len(found) > already:
            return code_in(found[-1])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no new code mail to {ADDRESS}: {len(found)} found")


async def _fits(phone: Page, name: str) -> None:
    await expect(phone.locator("h1")).to_be_visible()
    assert await fits_the_screen(phone), name
    await shot(phone, name)


async def _choose_password(phone: Page, code: str, password: str, again: str | None = None) -> None:
    await phone.fill("#f-code", code)
    await phone.fill("#f-password", password)
    await phone.fill("#f-password_confirm", password if again is None else again)
    await phone.click("#code-form button[type=submit]")


async def test_a_member_activates_in_arabic_and_resets_in_french_on_a_phone(
    phone: Page, base_url: str, settings: Settings
) -> None:
    await _as_imported(settings)
    await phone.goto(f"{base_url}/login?lang=ar")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await _fits(phone, "login-ar")
    await phone.click("#activate-link")
    await expect(phone.locator("h1")).to_have_text("تفعيل حسابي")
    await _fits(phone, "activate-ar")
    await phone.fill("#f-member_number", "M0007")
    await phone.fill("#f-birth_date", BIRTH.isoformat())
    await phone.click("#activate-start button[type=submit]")
    await expect(phone.locator("#sent")).to_be_visible()
    await expect(phone.locator("#f-username")).to_have_value("M0007")
    await _fits(phone, "activate-code-ar")

    # Two passwords that differ: said next to the second, in Arabic, on the phone (a short one the
    # browser itself refuses: the field says minlength).
    code = await _new_code(settings, 0)
    await _choose_password(phone, code, NEW_PASSWORD, "olive trees of Azrou")
    await expect(phone.locator("#e-password_confirm")).to_have_text("كلمتا المرور غير متطابقتين.")
    await _fits(phone, "activate-code-error-ar")
    await _choose_password(phone, code, NEW_PASSWORD)
    await expect(phone.locator("#flashes")).to_be_visible()
    assert phone.url.endswith("/search")
    await _fits(phone, "activated")

    await phone.click("header form[action='/logout'] button")
    await phone.goto(f"{base_url}/login?lang=fr")
    await expect(phone.locator("html")).to_have_attribute("dir", "ltr")
    await phone.click("#reset-link")
    await expect(phone.locator("h1")).to_have_text("Mot de passe oublié")
    await _fits(phone, "reset-fr")
    await phone.fill("#f-username", "M0007")
    await phone.click("#reset-start button[type=submit]")
    await expect(phone.locator("#sent")).to_contain_text("Si c'est bien vous")
    await _fits(phone, "reset-code-fr")
    await _choose_password(phone, "000000", "another long password")
    await expect(phone.locator("#e-code")).to_be_visible()
    await _fits(phone, "reset-code-error-fr")
    await _choose_password(phone, await _new_code(settings, 1), "another long password")
    await expect(phone.locator("#flashes")).to_be_visible()
    await _fits(phone, "reset-done")


async def test_the_profile_and_the_roster_check_fit_a_phone_in_both_languages(
    phone: Page, base_url: str
) -> None:
    await log_in(phone, base_url, "M0002")
    for lang in ("ar", "fr"):
        await phone.goto(f"{base_url}/me")
        await phone.select_option("#f-language", lang)
        await phone.click("form[action='/me/contact'] button[type=submit]")
        await expect(phone.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        await expect(phone.locator("#me-language")).to_have_attribute("lang", lang)
        saved = {"ar": "تم حفظ هاتفك ولغتك.", "fr": "Votre téléphone et votre langue sont enregistrés."}
        await expect(phone.locator("#flashes")).to_have_text(saved[lang])  # in the language just chosen
        await _fits(phone, f"profile-{lang}")
    await phone.click("header form[action='/logout'] button")

    await log_in(phone, base_url, "staff")
    header = "member_number,last_name,first_name,last_name_ar,first_name_ar,category,email,phone,birth_date,"
    header += "family_size,salary_scale\r\n"
    bad = header + "R1,Alaoui,Samira,العلوي,سميرة,director,samira@example.org,,14/07/1958,3,8\r\n"
    for lang in ("fr", "ar"):
        await phone.goto(f"{base_url}/staff/roster")
        if lang == "ar":
            await phone.click("header button[name=lang][value=ar]")
            await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        await phone.set_input_files(
            "#f-file", files=[{"name": "hr.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
        )
        await phone.click("#upload button[type=submit]")
        await expect(phone.locator('#bad-lines tr[data-line="2"]')).to_have_count(2)
        await _fits(phone, f"roster-bad-{lang}")
