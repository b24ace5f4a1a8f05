"""A centre as a place on a phone, in both languages: its page fits 375 px, its photos load lazily from
the server's resized copies, the map links are there; the search names the town and the times."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import fits_the_screen, shot
from tests.browser.test_pages_in_chromium import log_in


async def test_a_centre_page_and_the_search_fit_a_phone_in_both_languages(phone: Page, base_url: str) -> None:
    await log_in(phone, base_url, "M0002")  # prefers French
    for lang in ("fr", "ar"):
        if lang == "ar":
            await phone.click("header button[name=lang][value=ar]")
            await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        await phone.goto(f"{base_url}/centres/ifrane")
        await expect(phone.locator("#map-geo")).to_have_attribute(
            "href",
            "geo:33.522800,-5.110600?q=33.522800,-5.110600("
            + ("%D8%A7%D9%84%D8%A3%D8%B1%D8%B2" if lang == "ar" else "Al%20Arz")
            + ")",
        )
        await expect(phone.locator("#amenities li")).to_have_count(5)
        photo = phone.locator(".photos img").first
        await photo.scroll_into_view_if_needed()
        # Not wait_for_function: it evaluates a string in the page, which the pages' CSP refuses.
        await expect(photo).to_have_js_property("complete", True)
        assert await photo.evaluate("image => image.naturalWidth") > 0
        assert await photo.get_attribute("loading") == "lazy"
        assert await fits_the_screen(phone), lang
        await shot(phone, f"member-centre-{lang}")

        await phone.goto(f"{base_url}/search?centre=ifrane&arrival=2026-12-20&departure=2026-12-24&guests=2")
        await expect(phone.locator("#place-ifrane .town")).to_have_text("إفران" if lang == "ar" else "Ifrane")
        await expect(phone.locator("#place-ifrane .times")).to_contain_text("14:00")
        assert await fits_the_screen(phone), lang
        await shot(phone, f"member-search-place-{lang}")
