"""Every page a member, a centre manager and staff can reach, in French and Arabic, on a phone (375 px) and
a desktop: each fits its viewport's width (no sideways scrolling) and axe-core finds no WCAG 2.2 A/AA
violation on it. A screenshot of each lands in test-output/screenshots/ (issue 19).

One test per role walks the whole matrix on one logged-in page (the language is the member's setting,
the width the viewport's), so the walk costs a login per role, not one per page. Which pages each role
walks is listed here by route; test_every_page_route_is_walked fails when the app gains a page that no
walk visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, page_problems, shot_only
from tests.browser.test_pages_in_chromium import STAY, bearer, log_in
from tests.conftest import NOW, Clock

LANGUAGES = ("fr", "ar")
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
CAMPAIGN = "summer-2027"
BUNGALOW = {"centre": "ifrane", "rotation": "r1", "unit_type": "bungalow"}
# Before signing in: the login page and the activation and password-reset pages it links.
ANONYMOUS = ("/login", "/activate", "/activate/code", "/password-reset", "/password-reset/code")
CONFIG = ("seasons", "tariffs", "quotas")  # the staff configuration, a page per subject
SEARCH = "/search?centre=ifrane&arrival=2026-12-20&departure=2026-12-24&guests=2"

# GET routes of the pages router that are not pages a person reads, or that no walk can reach.
NOT_PAGES = {
    "/": "sends each role to its first page",
    "/session/refresh": "renews the session and redirects",
    "/sw.js": "the service worker's script",
    "/staff/config": "redirects to the first configuration page",
    "/centres/{code:str}/photos/{name:str}": "an image (the centre page shows it)",
    "/bookings/{booking_id:uuid}/stay.ics": "a calendar file (the paid booking's page links it)",
    "/manage/{code:str}/occupancy.csv": "a CSV download",
    "/manage/{code:str}/on-site": "a server-sent events stream (the centre page shows it)",
    "/payments/cmi/{order_id:str}/go": "redirects to CMI (test_cmi_in_chromium walks CMI's pages)",
    "/payments/cmi/{order_id:str}": "CMI's return page (test_cmi_in_chromium walks CMI's pages)",
}


@dataclass(frozen=True)
class Visit:
    """One page of a walk: its name (of its screenshots), its route (as the router spells it), its address."""

    name: str
    route: str
    path: str
    status: int = 200


async def walk(page: Page, base_url: str, role: str, visits: list[Visit]) -> list[str]:
    """Each page in each language at each width; every problem found, not only the first."""
    problems: list[str] = []
    for lang in LANGUAGES:
        for width, viewport in WIDTHS.items():
            await page.set_viewport_size(viewport)
            for visit in visits:
                response = await page.goto(base_url + visit.path)
                assert response is not None
                assert response.status == visit.status, (visit.path, response.status)
                if await page.locator("html").get_attribute("lang") != lang:
                    await page.click(f"header button[name=lang][value={lang}]")
                await expect(page.locator("html")).to_have_attribute("lang", lang)
                await expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
                await expect(page.locator("h1").first).to_be_visible()
                name = f"{role}-{visit.name}-{lang}-{width}"
                problems += [f"{name} {visit.path}: {problem}" for problem in await page_problems(page)]
                if width == "phone":  # the journeys' screenshots: the phone's (the checks run at both widths)
                    await shot_only(page, f"walk-{name}")
    return problems


def fail_on(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} problems:\n" + "\n".join(problems), pytrace=False)


async def test_every_member_page_fits_and_passes_axe(browser: Browser, base_url: str, clock: Clock) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        staff = await bearer(api, "staff")
        opened = await api.post(
            "/api/campaigns",
            json={"season": CAMPAIGN, "applications_close_at": (NOW + timedelta(days=7)).isoformat()},
            headers=staff,
        )
        assert opened.status_code == 201, opened.text
        member = await bearer(api, "M0002")
        paid = await _hold(api, member, "2026-12-27", "2026-12-29")
        assert (await api.post(await _checkout(api, member, paid) + "/confirm", headers=member)).is_redirect
        held = await _hold(api, member, "2026-12-20", "2026-12-22")  # one unpaid hold at a time
        pay_page = await _checkout(api, member, held)
        applied = await api.put(
            f"/api/campaigns/{CAMPAIGN}/application",
            json={"choices": [BUNGALOW], "party_size": 4},
            headers=member,
        )
        assert applied.status_code == 201, applied.text

    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    problems: list[str] = []
    for lang in LANGUAGES:  # before logging in: the login page, in each language at each width
        for width, viewport in WIDTHS.items():
            await page.set_viewport_size(viewport)
            await page.goto(f"{base_url}/login?lang={lang}")
            for path in ANONYMOUS:  # the login page's language is remembered by the pages it links
                if path != "/login":
                    await page.goto(base_url + path)
                await expect(page.locator("html")).to_have_attribute("lang", lang)
                await expect(page.locator("h1").first).to_be_visible()
                name = f"{path.strip('/').replace('/', '-')}-{lang}-{width}"
                problems += [f"{name}: {p}" for p in await page_problems(page)]
                await shot_only(page, f"walk-{name}")
    await log_in(page, base_url, "M0002")
    problems += await walk(page, base_url, "member", member_pages(held, paid, pay_page))

    # After the draw: the summer page with its offer and the draw's check, and the offer's decline page.
    clock.advance(days=8)
    async with httpx.AsyncClient(base_url=base_url) as api:
        staff = await bearer(api, "staff")
        for step in ("close", "draw"):
            done = await api.post(f"/api/campaigns/{CAMPAIGN}/{step}", headers=staff)
            assert done.status_code == 200, done.text
    drawn = [
        Visit("summer-offered", "/summer", "/summer"),
        Visit("decline", "/summer/{code:str}/decline", f"/summer/{CAMPAIGN}/decline"),
    ]
    problems += await walk(page, base_url, "member", drawn)
    await context.close()
    fail_on(problems)


def member_pages(held: str, paid: str, pay_page: str) -> list[Visit]:
    return [
        Visit("search-results", "/search", SEARCH),
        Visit("centre", "/centres/{code:str}", "/centres/ifrane"),
        Visit("bookings", "/bookings", "/bookings"),
        Visit("booking-held", "/bookings/{booking_id:uuid}", f"/bookings/{held}"),
        Visit("test-payment", "/payments/test/{ref:str}", pay_page),
        Visit("booking-paid", "/bookings/{booking_id:uuid}", f"/bookings/{paid}"),
        Visit("gate-view", "/bookings/{booking_id:uuid}/gate", f"/bookings/{paid}/gate"),
        Visit("cancel", "/bookings/{booking_id:uuid}/cancel", f"/bookings/{paid}/cancel"),
        Visit("summer-applied", "/summer", "/summer"),
        Visit("my-data", "/me/data", "/me/data"),
        Visit("profile", "/me", "/me"),
        Visit("messages", "/me/messages", "/me/messages"),
        Visit("not-found", "/centres/{code:str}", "/centres/nowhere", status=404),  # the error page
    ]


async def test_every_centre_manager_page_fits_and_passes_axe(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    await log_in(page, base_url, "manager-ifrane")
    problems = await walk(page, base_url, "manager", manager_pages())
    await context.close()
    fail_on(problems)


async def test_every_staff_page_fits_and_passes_axe(browser: Browser, base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        member = await bearer(api, "M0003")
        booking = await _hold(api, member, "2026-12-20", "2026-12-24")
        promotions = (await api.get("/api/promotions", headers=await bearer(api, "staff"))).json()
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    await log_in(page, base_url, "staff")
    problems = await walk(page, base_url, "staff", staff_pages(booking, promotions[0]["id"]))
    await context.close()
    fail_on(problems)


def manager_pages() -> list[Visit]:
    """The centre manager's pages, and the profile page staff and managers share (walked once, here)."""
    return [
        Visit("centres", "/manage", "/manage"),
        Visit("centre-occupancy", "/manage/{code:str}", "/manage/ifrane?from=2026-12-20&to=2026-12-27"),
        Visit("centre-kpis", "/manage/{code:str}/kpis", "/manage/ifrane/kpis"),
        Visit("profile", "/account", "/account"),
    ]


def staff_pages(booking: str, promotion: int) -> list[Visit]:
    return [
        Visit("dashboard", "/staff", "/staff"),
        Visit("promotions", "/staff/promotions", "/staff/promotions"),
        Visit("promotion", "/staff/promotions/{promotion_id:int}", f"/staff/promotions/{promotion}"),
        *(Visit(f"config-{what}", "/staff/config/{what:str}", f"/staff/config/{what}") for what in CONFIG),
        Visit("devices", "/staff/devices", "/staff/devices"),
        Visit("members", "/staff/members", "/staff/members?q=M000"),
        Visit("member", "/staff/members/{number:str}", "/staff/members/M0003"),
        Visit("booking", "/staff/bookings/{booking_id:uuid}", f"/staff/bookings/{booking}"),
        Visit(
            "end-early", "/staff/bookings/{booking_id:uuid}/end-early", f"/staff/bookings/{booking}/end-early"
        ),
        Visit("campaigns", "/staff/campaigns", "/staff/campaigns"),
        Visit("campaign", "/staff/campaigns/{code:str}", f"/staff/campaigns/{CAMPAIGN}"),
        Visit(
            "campaign-step", "/staff/campaigns/{code:str}/{action:str}", f"/staff/campaigns/{CAMPAIGN}/close"
        ),
        Visit("payroll", "/staff/payroll", "/staff/payroll"),
        Visit("audit", "/staff/audit", "/staff/audit"),
        Visit("accounts", "/staff/accounts", "/staff/accounts"),
        Visit("roster", "/staff/roster", "/staff/roster"),
        Visit("outbox", "/staff/outbox", "/staff/outbox"),
        Visit("account", "/staff/accounts/{username:str}", "/staff/accounts/manager-ifrane"),
    ]


def test_every_page_route_is_walked(app: Litestar) -> None:
    """A page added to the app without a place in a walk fails here, not silently unchecked. (Staff reach
    the centre manager's pages too: the manager's walk covers them, once.)"""
    walked = {
        *ANONYMOUS,
        *(v.route for v in member_pages("b", "b", "p")),
        *(v.route for v in staff_pages("b", 1)),
        *(v.route for v in manager_pages()),
        "/summer/{code:str}/decline",  # the member's walk after the draw
    }
    pages = {
        route.path
        for route in app.routes
        if "GET" in getattr(route, "methods", ())
        and not route.path.startswith(("/api/", "/static", "/schema", "/health", "/ready", "/metrics"))
    }
    assert pages - walked - NOT_PAGES.keys() == set()


async def _hold(api: httpx.AsyncClient, member: dict[str, str], arrival: str, departure: str) -> str:
    body = {**STAY, "arrival": arrival, "departure": departure, "unit_type": "studio", "guests": 2}
    held = await api.post("/api/bookings", json=body, headers=member)
    assert held.status_code == 201, held.text
    return str(held.json()["id"])


async def _checkout(api: httpx.AsyncClient, member: dict[str, str], booking: str) -> str:
    checkout = await api.post(f"/api/bookings/{booking}/checkout", json={"method": "card"}, headers=member)
    assert checkout.status_code == 200, checkout.text
    return str(checkout.json()["redirect_url"])
