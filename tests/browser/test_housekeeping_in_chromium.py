"""The centre manager's housekeeping list (/manage/{centre}) on a 375 px phone, in French and in Arabic
(right to left): the list fits the screen without any sideways scrolling, of the page or of the list
itself; each unit shows its number and state in full and its change form, whose controls are tappable
(at least 24 × 24 px, WCAG 2.2 2.5.8) and inside the screen; a tap changes a unit's state."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import PHONE, SCREENSHOTS, fits_the_screen, shot
from tests.browser.test_pages_in_chromium import log_in

# Per unit: its box, the state's words (clipped or not), and each control's box; and the list's widths.
_MEASURE = """list => {
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  const scrolls = [list, list.parentElement].map(el => ({
    name: el.id || el.className, scroll: el.scrollWidth, client: el.clientWidth}));
  const rooms = [...list.querySelectorAll("[data-unit]")].map(room => {
    const state = room.querySelector(".state");
    return {
      unit: room.dataset.unit,
      box: box(room),
      state: state.textContent.trim(),
      stateClipped: state.scrollWidth > state.clientWidth + 1,
      stateBox: box(state),
      controls: [...room.querySelectorAll("select, button")].map(c => ({tag: c.tagName, box: box(c)})),
    };
  });
  return {list: box(list), scrolls, rooms};
}"""


def _problems(measured: dict[str, Any], viewport: int) -> list[str]:
    problems = [
        f"{s['name']} scrolls sideways: {s['scroll']} px of content in {s['client']} px"
        for s in measured["scrolls"]
        if s["scroll"] > s["client"] + 1
    ]
    if measured["list"]["left"] < -1 or measured["list"]["right"] > viewport + 1:
        problems.append(f"the list spans {measured['list']['left']}..{measured['list']['right']} px")
    for room in measured["rooms"]:
        unit = room["unit"]
        if not room["state"] or room["stateClipped"] or room["stateBox"]["width"] < 1:
            problems.append(f"unit {unit}: its state is not readable in full ({room['state']!r})")
        for control in room["controls"]:
            b = control["box"]
            if b["width"] < 24 or b["height"] < 24:
                problems.append(f"unit {unit}: {control['tag']} is {b['width']:.0f} × {b['height']:.0f} px")
            if b["left"] < -1 or b["right"] > viewport + 1:
                problems.append(f"unit {unit}: {control['tag']} spans {b['left']:.0f}..{b['right']:.0f} px")
    return problems


@pytest.mark.parametrize(("lang", "direction", "words"), [("fr", "ltr", "Enregistrer"), ("ar", "rtl", "حفظ")])
async def test_the_housekeeping_list_fits_a_phone_and_each_unit_is_set_by_a_tap(
    browser: Browser, base_url: str, lang: str, direction: str, words: str
) -> None:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1, has_touch=True, is_mobile=True)
    page = await context.new_page()
    await log_in(page, base_url, "manager-ifrane")
    if lang == "ar":
        await page.click("header button[name=lang][value=ar]")
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await page.goto(f"{base_url}/manage/ifrane")
    await expect(page.locator("html")).to_have_attribute("dir", direction)
    housekeeping = page.locator("#housekeeping")
    await housekeeping.scroll_into_view_if_needed()
    measured = await housekeeping.evaluate(_MEASURE)
    assert len(measured["rooms"]) >= 3
    assert all(len(room["controls"]) == 2 for room in measured["rooms"])
    problems = _problems(measured, PHONE["width"])
    assert not problems, "\n".join(problems[:12])
    assert await fits_the_screen(page)
    await shot(page, f"manager-housekeeping-{lang}")
    await housekeeping.screenshot(path=str(SCREENSHOTS / f"manager-housekeeping-list-{lang}.png"))

    room = housekeeping.locator("[data-unit]").nth(1)
    unit = await room.get_attribute("data-unit")
    await room.locator("select[name=state]").select_option("out_of_service")
    await room.get_by_role("button", name=words).tap()
    await expect(page.locator("#flashes")).to_be_visible()
    await expect(page.locator(f'#housekeeping [data-unit="{unit}"] .state.out_of_service')).to_have_count(1)
    await context.close()
