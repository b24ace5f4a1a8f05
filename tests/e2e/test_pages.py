"""The web pages: login by cookie, both languages, access control, forms with problems next to fields."""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.i18n import translator
from kernel.money import Money
from kernel.settings import Settings
from tests.conftest import PASSWORD, STAY, login


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


async def page_login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> str:
    """Log in through the login form; the client keeps the session and CSRF cookies."""
    form = await client.get("/login")
    assert form.status_code == 200
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def test_anonymous_page_redirects_to_login_and_login_sets_cookie(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/bookings", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fbookings"
    assert await page_login(client, "M0001") == "/search"
    assert "estivage_session" in client.cookies
    page = await client.get("/bookings")
    assert page.status_code == 200
    # M0001 prefers Arabic: the member's own language is restored at login, right to left.
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "حجوزاتي" in page.text


async def post_form(client: AsyncTestClient[Any], page_url: str, url: str, data: dict[str, str]) -> Any:
    """Submit a form the way a browser does: the CSRF token comes from the page showing the form."""
    page = await client.get(page_url)
    assert page.status_code in {200, 422}, page.text
    return await client.post(url, data={**data, "_csrf_token": csrf_of(page.text)}, follow_redirects=False)


async def flashed_once(client: AsyncTestClient[Any], url: str, words: str) -> str:
    """The page a save leads to says `words` once (the flash, estivage.web.flash): a reload no longer does."""
    shown = await client.get(url)
    assert f'<p class="flash success">{words}</p>' in html.unescape(shown.text), shown.text
    assert 'class="flash' not in (await client.get(url)).text
    return str(shown.text)


async def switch_language(client: AsyncTestClient[Any], lang: str, where: str = "/bookings") -> None:
    """The header's language button, on a page the user may open."""
    response = await post_form(client, where, "/lang", {"lang": lang, "next": where})
    assert response.status_code == 303


async def test_a_change_the_session_cookie_alone_authenticates_needs_the_pages_csrf_token(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")
    refused = await client.post("/lang", data={"lang": "ar"}, follow_redirects=False)
    assert refused.status_code == 403
    # The JSON API too, when the cookie is what authenticates it: another site could send it, as a
    # text/plain "JSON" body from a foreign origin. Nothing is held.
    forged = await client.post(
        "/api/bookings",
        content=json.dumps(STAY),
        headers={"content-type": "text/plain", "origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert (await client.get("/api/bookings")).json() == []
    # With the page's token (the X-CSRFToken header, as the pages' HTMX sends it) it is the member's own.
    token = client.cookies.get("estivage_csrf")
    assert token
    held = await client.post("/api/bookings", json=STAY, headers={"x-csrftoken": token})
    assert held.status_code == 201, held.text
    # A Bearer call carries its own credentials, which no other site can make a browser send: no token.
    client.cookies.clear()
    bearer = await login(client, "M0003")
    assert (await client.post("/api/bookings", json=STAY, headers=bearer)).status_code == 201


async def test_member_books_pays_sees_pass_and_cancels_with_refund_shown_first(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")  # prefers French
    search = await client.get(
        "/search",
        params={"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": "2"},
    )
    assert search.status_code == 200
    assert 'data-unit-type="studio"' in search.text
    assert "Total" in search.text
    hold = await post_form(
        client,
        "/search",
        "/search/hold",
        {**{k: str(v) for k, v in STAY.items()}, "promo_code": ""},
    )
    assert hold.status_code == 303, hold.text
    booking_url = hold.headers["location"]
    held = await client.get(booking_url)
    assert "En attente de paiement" in held.text
    pay = await post_form(client, booking_url, booking_url + "/pay", {"method": "card"})
    assert pay.status_code == 303
    assert pay.headers["location"].startswith("/payments/test/")
    payment_url = pay.headers["location"]
    confirmed = await post_form(client, payment_url, payment_url + "/confirm", {})
    assert confirmed.status_code == 303
    paid = await client.get(booking_url)
    assert "Confirmée" in paid.text
    booking_id = booking_url.rsplit("/", 1)[1]
    assert f'src="/api/bookings/{booking_id}/pass.png"' in paid.text
    png = await client.get(f"/api/bookings/{booking_id}/pass.png")  # the session cookie is enough
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    preview = await client.get(booking_url + "/cancel")
    # 27 days before arrival: all of it comes back under the default policy.
    total = re.search(r"<dt>Total</dt><dd><strong>([^<]+)</strong>", paid.text)
    assert total
    assert f'<strong id="refund-preview">{total.group(1)}</strong>' in preview.text
    cancel = await post_form(client, booking_url + "/cancel", booking_url + "/cancel", {})
    assert cancel.status_code == 303
    after = await client.get(booking_url)
    assert "Annulée" in after.text
    assert f'<dd id="refund">{total.group(1)}</dd>' in after.text


async def test_search_error_is_shown_next_to_its_field_in_arabic(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    await switch_language(client, "ar")
    response = await client.get(
        "/search",
        params={"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-18", "guests": "2"},
    )
    assert response.status_code == 422
    assert 'dir="rtl"' in response.text
    field = re.search(
        r'<div class="field invalid">\s*<label for="f-departure">.*?</div>', response.text, re.S
    )
    assert field, "the departure field is marked invalid"
    assert 'id="e-departure"' in field.group(0)
    assert "تواريخ غير صالحة" in field.group(0)


async def test_language_choice_is_remembered_on_the_member(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    await switch_language(client, "ar")
    client.cookies.clear()
    await page_login(client, "M0002")  # a new browser: the member's choice comes back
    page = await client.get("/bookings")
    assert '<html lang="ar" dir="rtl">' in page.text


async def test_managers_see_their_centres_only(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "manager-ifrane")
    own = await client.get("/manage/ifrane", params={"from": "2026-12-20", "to": "2026-12-23"})
    assert own.status_code == 200
    assert own.text.count("<tr data-night=") == 4
    assert 'id="occupancy-chart"' in own.text
    assert (await client.get("/manage/saidia")).status_code == 403
    csv = await client.get("/manage/ifrane/occupancy.csv", params={"from": "2026-12-20", "to": "2026-12-21"})
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == "night,units_total,units_occupied,guests"
    assert len(csv.text.splitlines()) == 3
    bad = await client.get("/manage/ifrane", params={"from": "2026-12-20", "to": "2026-12-01"})
    assert bad.status_code == 422
    assert 'id="e-to"' in bad.text
    assert (await client.get("/staff")).status_code == 403
    assert (await client.get("/search")).status_code == 403


async def test_members_cannot_open_manager_or_staff_pages(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0003")
    assert (await client.get("/manage/ifrane")).status_code == 403
    assert (await client.get("/staff/promotions")).status_code == 403


async def test_staff_pages_render_and_a_device_token_is_shown_once(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    for url in ("/staff", "/staff/promotions", "/staff/config", "/staff/devices", "/manage", "/manage/mdiq"):
        response = await client.get(url)
        assert response.status_code == 200, url
    assert (await client.get("/manage/nowhere")).status_code == 404
    kpis = await client.get("/staff")
    assert 'id="kpi-stays"' in kpis.text
    assert 'data-centre="ifrane"' in kpis.text
    created = await post_form(
        client, "/staff/devices", "/staff/devices", {"centre": "ifrane", "name": "Gate A"}
    )
    token = re.search(r'id="device-token">([^<]+)<', created.text)
    assert created.status_code == 200
    assert token
    again = await client.get("/staff/devices")
    assert "Gate A" in again.text
    for name, problem in (("", "Champ obligatoire."), ("G" * 121, "Trop long : 120 caractères au plus.")):
        refused = await post_form(
            client, "/staff/devices", "/staff/devices", {"centre": "ifrane", "name": name}
        )
        assert refused.status_code == 422
        assert f'<p class="problem" id="e-name" role="alert">{problem}</p>' in refused.text
        assert 'id="device-token"' not in refused.text
    assert token.group(1) not in again.text


async def test_staff_create_promotion_error_next_to_field_then_pause(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    bad = await post_form(
        client,
        "/staff/promotions",
        "/staff/promotions",
        {"name": "Hiver", "kind": "percentage", "percent": "150"},
    )
    assert bad.status_code == 422
    assert re.search(r'<div class="field invalid">\s*<label for="f-percent">', bad.text)
    good = await post_form(
        client,
        "/staff/promotions",
        "/staff/promotions",
        {"name": "Hiver", "kind": "percentage", "percent": "10"},
    )
    assert good.status_code == 303
    listing = await client.get("/staff/promotions")
    promotion_id = re.findall(r'data-promotion="(\d+)"', listing.text)[-1]
    paused = await post_form(
        client, "/staff/promotions", f"/staff/promotions/{promotion_id}", {"paused": "1"}
    )
    assert paused.status_code == 303
    row = re.search(
        rf'data-promotion="{promotion_id}">.*?</tr>', (await client.get("/staff/promotions")).text, re.S
    )
    assert row
    assert "En pause" in row.group(0)


async def test_rating_after_departure_shows_in_staff_kpis(client: AsyncTestClient[Any], clock: Any) -> None:
    headers = await login(client, "M0002")
    held = await client.post("/api/bookings", json=STAY, headers=headers)
    booking_id = held.json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    assert 'action="' + url + '/rate"' not in (await client.get(url)).text  # not before the stay
    clock.advance(days=27)  # 2026-12-20, the arrival day: the desk checks the stay in
    desk = await login(client, "manager-ifrane")
    assert (await client.post(f"/api/bookings/{booking_id}/check-in", headers=desk)).status_code == 200
    assert 'action="' + url + '/rate"' not in (await client.get(url)).text  # not while it goes on
    clock.advance(days=4)  # 2026-12-24, departure day
    assert 'action="' + url + '/rate"' in (await client.get(url)).text
    answers = {"reception": "5", "cleanliness": "4", "value": "4"}
    bad = await post_form(client, url, url + "/rate", {**answers, "cleanliness": "6", "comment": ""})
    assert bad.status_code == 422
    assert re.search(r'<div class="field invalid">\s*<label for="f-cleanliness">', bad.text)
    missing = await post_form(client, url, url + "/rate", {"reception": "5", "value": "4"})
    assert missing.status_code == 422
    assert 'id="e-cleanliness"' in missing.text
    good = await post_form(client, url, url + "/rate", {**answers, "comment": "Très calme"})
    assert good.status_code == 303
    shown = await flashed_once(client, good.headers["location"], "Merci : votre note est enregistrée.")
    assert "★★★★☆" in shown  # (5 + 4 + 4) / 3 = 4.33: 4 overall
    assert '<dd id="rated-reception">5/5</dd>' in shown
    assert "Très calme" in shown
    again = await post_form(client, "/bookings", url + "/rate", {**answers, "value": "5"})
    assert again.status_code == 409  # rated once only
    client.cookies.clear()
    await page_login(client, "staff")
    kpis = (await client.get("/staff")).text
    assert '<p class="big" id="kpi-satisfaction">4,00/5</p>' in kpis
    assert '<p class="big" id="kpi-stays">1</p>' in kpis


async def test_htmx_search_answers_a_fragment_and_pushes_the_address(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    params = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": "2"}
    response = await client.get("/search", params=params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="search">')
    assert "<html" not in response.text
    assert response.headers["hx-push-url"].startswith("/search?centre=ifrane&arrival=2026-12-20")


async def test_staff_set_a_tariff_and_see_a_quota_problem_next_to_its_field(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    config = (await client.get("/staff/config/tariffs")).text
    season = re.search(r'<select id="f-tariff-season" name="season">\s*<option value="([^"]+)"', config)
    assert season
    sent = await post_form(
        client,
        "/staff/config",
        "/staff/config/tariff",
        {
            "season": season.group(1),
            "centre": "ifrane",
            "unit_type": "studio",
            "category": "active",
            "nightly": "123.45",
        },
    )
    assert sent.status_code == 303, sent.text
    assert "123,45\u00a0MAD" in (await client.get("/staff/config/tariffs")).text
    unknown = await post_form(
        client,
        "/staff/config",
        "/staff/config/tariff",
        {
            "season": season.group(1),
            "centre": "ifrane",
            "unit_type": "castle",
            "category": "active",
            "nightly": "1",
        },
    )
    assert unknown.status_code == 422
    assert re.search(
        r'<label for="f-tariff-unit_type">.*?<p class="problem" id="e-tariff-unit_type"', unknown.text, re.S
    )
    both = await post_form(
        client,
        "/staff/config",
        "/staff/config/quota",
        {
            "season": season.group(1),
            "centre": "ifrane",
            "unit_type": "studio",
            "category": "active",
            "units": "2",
            "share": "10",
        },
    )
    assert both.status_code == 422
    assert 'id="e-quota-units"' in both.text


async def test_manager_sees_todays_arrivals_with_unit_numbers(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    headers = await login(client, "M0002")
    held = await client.post("/api/bookings", json=STAY, headers=headers)
    booking = held.json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    clock.advance(days=27)  # 2026-12-20, the arrival day
    await page_login(client, "manager-ifrane")
    page = (await client.get("/manage/ifrane")).text
    arrivals = re.search(r'<table id="arrivals">.*?</table>', page, re.S)
    assert arrivals
    assert f"<td><bdi>{booking['unit']}</bdi></td>" in arrivals.group(0)
    assert 'id="departures"' not in page


async def test_bad_numbers_and_dates_in_staff_forms_are_shown_next_to_their_field(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    bad = await post_form(
        client,
        "/staff/promotions",
        "/staff/promotions",
        {"name": "Printemps", "kind": "fixed", "amount": "douze", "stay_from": "demain"},
    )
    assert bad.status_code == 422
    assert re.search(
        r'<label for="f-amount">.*?<p class="problem" id="e-amount" role="alert">Saisissez un nombre.',
        bad.text,
        re.S,
    )
    manager_stream = await client.get("/manage/nowhere/on-site")
    assert manager_stream.status_code == 404


async def test_manager_cannot_follow_another_centres_gate_stream_and_can_log_out(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "manager-ifrane")
    assert (await client.get("/manage/saidia/on-site")).status_code == 403
    assert (await client.get("/manage/saidia/occupancy.csv")).status_code == 403
    out = await post_form(client, "/manage", "/logout", {})
    assert out.status_code == 303
    assert (await client.get("/manage", follow_redirects=False)).status_code == 303


async def test_scripts_and_styles_are_served_by_the_project(client: AsyncTestClient[Any]) -> None:
    login_page = (await client.get("/login")).text
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', login_page)
    assert sources == ["/static/app.css", "/static/htmx-2.0.11.min.js", "/static/app.js"]
    for source in sources:
        response = await client.get(source)  # no session needed
        assert response.status_code == 200, source
    htmx = await client.get("/static/htmx-2.0.11.min.js")
    assert "2.0.11" in htmx.text


async def test_refund_shown_before_cancelling_is_the_refund_given(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    headers = await login(client, "M0002")
    booking_id = (await client.post("/api/bookings", json=STAY, headers=headers)).json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    total = (await client.get(f"/api/bookings/{booking_id}", headers=headers)).json()["price"]["total"]
    clock.advance(days=25)  # 2026-12-18: two days' notice, half back under the default policy
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    preview = re.search(
        r'<strong id="refund-preview">([^<]+)</strong>', (await client.get(url + "/cancel")).text
    )
    assert preview
    half = total["amount_minor"] // 2
    assert preview.group(1) == translator("fr").money(Money(half, "MAD"))  # "425,00 MAD"
    await post_form(client, url + "/cancel", url + "/cancel", {})
    given = (await client.get(f"/api/bookings/{booking_id}", headers=headers)).json()["refund"]
    assert given["amount_minor"] == half


async def test_staff_change_a_season_and_read_the_pages_in_arabic(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    config = (await client.get("/staff/config")).text
    season = re.search(r'<tr data-season="([^"]+)" data-kind="off_season">', config)
    assert season
    code = season.group(1)
    changed = await post_form(
        client, "/staff/config", "/staff/config/season", {"season": code, "min_nights": "3"}
    )
    assert changed.status_code == 303, changed.text
    row = re.search(rf'<tr data-season="{code}".*?</tr>', (await client.get("/staff/config")).text, re.S)
    assert row
    assert "<bdi>3–" in row.group(0)
    assert "<td>Hors saison</td>" in row.group(0)
    refused = await post_form(
        client, "/staff/config", "/staff/config/season", {"season": code, "min_nights": "0"}
    )
    assert refused.status_code == 422
    assert 'id="e-season-min_nights"' in refused.text
    not_a_price = await post_form(
        client,
        "/staff/config",
        "/staff/config/tariff",
        {"season": code, "centre": "ifrane", "unit_type": "studio", "category": "active", "nightly": "cher"},
    )
    assert not_a_price.status_code == 422
    assert 'id="e-tariff-nightly"' in not_a_price.text
    switched = await post_form(client, "/staff", "/lang", {"lang": "ar", "next": "/staff"})
    assert switched.status_code == 303
    for url, heading in (
        ("/staff", "مؤشرات السنة"),
        ("/manage/ifrane", "في المركز الآن"),
        ("/staff/config", "المواسم"),
    ):
        page = (await client.get(url)).text
        assert '<html lang="ar" dir="rtl">' in page, url
        assert heading in page, url


async def test_anonymous_language_switch_is_kept_in_a_cookie(client: AsyncTestClient[Any]) -> None:
    arabic = await client.get("/login", params={"lang": "ar", "next": "/bookings"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert 'href="/login?lang=fr&amp;next=/bookings"' in arabic.text
    assert client.cookies.get("estivage_lang") == "ar"
    again = await client.get("/login")  # remembered without the parameter
    assert '<html lang="ar" dir="rtl">' in again.text
    assert "تسجيل الدخول" in again.text


async def test_a_wrong_promotion_code_is_shown_next_to_the_code_field(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    response = await post_form(
        client, "/search", "/search/hold", {**{k: str(v) for k, v in STAY.items()}, "promo_code": "NOPE2026"}
    )
    assert response.status_code == 422
    field = re.search(r'<label for="f-promo_code">.*?</div>', response.text, re.S)
    assert field
    assert "Aucune promotion n&#39;a ce code." in field.group(0)  # the reason, not only "does not apply"
    assert "<h1>Rechercher un séjour</h1>" in response.text
    assert (await client.get("/bookings")).text.count('<li class="card">') == 0  # nothing was held


def field_problem(html: str, field_id: str) -> bool:
    """The field is marked invalid with its problem right below it."""
    return (
        re.search(rf'<label for="f-{field_id}">.*?<p class="problem" id="e-{field_id}"', html, re.S)
        is not None
    )


async def test_numbers_no_price_can_hold_are_form_errors_never_500s(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    new = {"name": "Hiver", "kind": "fixed"}
    for amount in ("inf", "1e400", "nan", "10.005", "9" * 30):
        sent = await post_form(client, "/staff/promotions", "/staff/promotions", {**new, "amount": amount})
        assert sent.status_code == 422, amount
        assert field_problem(sent.text, "amount"), amount
    too_many = {"name": "Hiver", "kind": "percentage", "percent": "10", "max_uses": "9" * 20}
    sent = await post_form(client, "/staff/promotions", "/staff/promotions", too_many)
    assert sent.status_code == 422
    assert field_problem(sent.text, "max_uses")
    good = await post_form(
        client, "/staff/promotions", "/staff/promotions", {**new, "amount": "12,50", "budget": "999999.99"}
    )
    assert good.status_code == 303, good.text
    listing = (await client.get("/staff/promotions")).text
    promotion_id = re.findall(r'data-promotion="(\d+)"', listing)[-1]
    url = f"/staff/promotions/{promotion_id}"
    edit = (await client.get(url)).text
    assert re.search(r'id="f-budget" name="budget" type="number" value="999999.99"', edit)
    # The edit form is held to a new promotion's limits: no negative or endless use counts or budgets.
    for field, value in (("max_uses", "-5"), ("max_uses", "9" * 20), ("budget", "-5"), ("budget", "inf")):
        refused = await post_form(client, url, url, {"name": "Hiver", field: value})
        assert refused.status_code == 422, (field, value)
        assert field_problem(refused.text, field), (field, value)
    refused = await post_form(client, url, url, {"name": "H" * 500})
    assert refused.status_code == 422
    assert field_problem(refused.text, "name")
    kept = (await client.get(url)).text
    assert "<h1><bdi>Hiver</bdi></h1>" in kept
    assert 'value="999999.99"' in kept
    config = (await client.get("/staff/config")).text
    season = re.search(r'<tr data-season="([^"]+)"', config)
    assert season
    key = {"season": season.group(1), "centre": "ifrane", "unit_type": "studio", "category": "active"}
    for what, field, value in (
        ("tariff", "nightly", "inf"),
        ("quota", "share", "inf"),
        ("quota", "units", "9" * 20),
    ):
        refused = await post_form(client, "/staff/config", f"/staff/config/{what}", {**key, field: value})
        assert refused.status_code == 422, (what, field)
        assert field_problem(refused.text, f"{what}-{field}"), (what, field)


async def test_the_season_form_is_on_the_page_not_in_its_title(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    config = (await client.get("/staff/config")).text
    title = re.search(r"<title>(.*?)</title>", config, re.S)
    assert title
    assert "<form" not in title.group(1)
    main = re.search(r"<main>(.*)</main>", config, re.S)
    assert main
    assert main.group(1).count('id="set-season"') == 1
    tariffs = re.search(r"<main>(.*)</main>", (await client.get("/staff/config/tariffs")).text, re.S)
    assert tariffs
    assert tariffs.group(1).count('id="set-tariff"') == 1


async def test_a_member_may_rate_from_the_centres_departure_day_not_utcs(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    headers = await login(client, "M0002")
    booking_id = (await client.post("/api/bookings", json=STAY, headers=headers)).json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    clock.advance(days=27)  # the arrival day: checked in (the desk will not record the departure)
    desk = await login(client, "manager-ifrane")
    assert (await client.post(f"/api/bookings/{booking_id}/check-in", headers=desk)).status_code == 200
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    answers = {"reception": "5", "cleanliness": "5", "value": "5"}
    clock.advance(days=3, hours=13, minutes=59)  # 2026-12-23 22:59 UTC, 23:59 in Casablanca
    assert 'action="' + url + '/rate"' not in (await client.get(url)).text
    early = await post_form(client, "/bookings", url + "/rate", answers)
    assert early.status_code == 409
    assert 'id="e-rating"' in early.text
    clock.advance(minutes=2)  # 23:01 UTC, but already the departure day in Casablanca
    assert 'action="' + url + '/rate"' in (await client.get(url)).text
    nul = await post_form(client, url, url + "/rate", {**answers, "comment": "calme\x00"})
    assert nul.status_code == 422
    assert re.search(r'<div class="field invalid"><label for="f-comment">', nul.text)
    rated = await post_form(client, url, url + "/rate", {**answers, "comment": "<b>calme</b>"})
    assert rated.status_code == 303
    shown = (await client.get(url)).text
    assert "&lt;b&gt;calme&lt;/b&gt;" in shown
    assert "<b>calme</b>" not in shown


async def test_a_number_too_big_for_the_search_is_a_field_error(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    params = {**{k: str(v) for k, v in STAY.items()}, "guests": "9" * 30}
    response = await client.get("/search", params=params)
    assert response.status_code == 422
    assert 'id="e-guests"' in response.text


async def test_the_on_site_stream_sends_the_count_and_ends_when_the_manager_goes_away(
    settings: Settings, clock: Any
) -> None:
    """Straight through ASGI: the browser closes the EventSource after the first count, and the stream
    (which would otherwise poll for half an hour) ends at once."""
    app = create_app(settings, clock=clock)  # run in this test's event loop, not the test client's
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as direct,
    ):
        await stream_until_the_client_goes_away(app, await login(direct, "manager-ifrane"))


async def stream_until_the_client_goes_away(app: Any, headers: dict[str, str]) -> None:
    bodies: list[bytes] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        if message["type"] == "http.response.body" and message.get("body"):
            bodies.append(message["body"])
            gone.set()

    path = "/manage/ifrane/on-site"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", headers["Authorization"].encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    assert b"event: on-site" in bodies[0]
    assert b"data: 0" in bodies[0]


async def test_a_percentage_promotion_without_its_percent_says_so_next_to_the_percent_field(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    sent = {"name": "Hiver", "kind": "percentage"}
    refused = await post_form(client, "/staff/promotions", "/staff/promotions", sent)
    assert refused.status_code == 422
    assert re.search(
        r'<label for="f-percent">.*?<p class="problem" id="e-percent" role="alert">'
        r"Ce type de promotion demande ce champ.</p>",
        refused.text,
        re.S,
    )
    fewer = {"name": "7 pour 7", "kind": "stay_pay", "stay_nights": "7", "pay_nights": "7"}
    await switch_language(client, "ar", "/staff")
    refused = await post_form(client, "/staff/promotions", "/staff/promotions", fewer)
    assert refused.status_code == 422
    assert field_problem(refused.text, "pay_nights")
    assert "يجب أن تكون الليالي المدفوعة أقل من ليالي الإقامة." in refused.text
    assert "stay_nights" not in re.sub(r'(name|for|id)="[^"]*"', "", refused.text)  # no English detail


async def test_a_problem_no_field_answers_for_is_shown_at_the_top_of_its_form(
    client: AsyncTestClient[Any],
) -> None:
    """Moving a summer's end before its rotations end is refused for the rotations, which this form does
    not show: the problem is at the top of the season form, in the page's language."""
    await page_login(client, "staff")
    await switch_language(client, "ar", "/staff")
    config = (await client.get("/staff/config")).text
    summer = re.search(r'<tr data-season="([^"]+)" data-kind="summer">', config)
    assert summer
    year = summer.group(1).rsplit("-", 1)[1]
    sent = {"season": summer.group(1), "ends_on": f"{year}-07-15"}
    refused = await post_form(client, "/staff/config", "/staff/config/season", sent)
    assert refused.status_code == 422
    form = re.search(r'<form [^>]*id="set-season">.*?</form>', refused.text, re.S)
    assert form
    assert re.search(
        r'<p class="problem" role="alert" id="e-set-season">يجب أن تكون الأفواج داخل الموسم', form.group(0)
    )


async def test_booking_rules_are_explained_in_the_members_language(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    await switch_language(client, "ar")
    one_night = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-21", "guests": "2"}
    short = await client.get("/search", params=one_night)
    assert short.status_code == 422
    assert field_problem(short.text, "departure")
    assert "في هذا الموسم، تدوم الإقامة ليلتين على الأقل." in short.text  # two: the dual
    closed = await client.get("/search", params={**one_night, "centre": "mdiq", "departure": "2026-12-24"})
    assert closed.status_code == 422
    assert field_problem(closed.text, "arrival")
    assert "المركز مغلق في هذه التواريخ." in closed.text
    await switch_language(client, "fr")
    far = await client.get(
        "/search", params={**one_night, "arrival": "2028-12-20", "departure": "2028-12-24"}
    )
    assert far.status_code == 422
    assert re.search(r"L&#39;arrivée peut être au plus dans \d+ jours.", far.text)


async def test_the_managers_date_range_problem_is_in_the_page_language(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "manager-ifrane")
    backwards = {"from": "2026-12-20", "to": "2026-12-01"}
    await post_form(client, "/manage", "/lang", {"lang": "ar", "next": "/manage"})
    bad = await client.get("/manage/ifrane", params=backwards)
    assert bad.status_code == 422
    assert '<p class="problem" id="e-to" role="alert">تواريخ غير صالحة.</p>' in bad.text
    too_long = await client.get("/manage/ifrane", params={"from": "2026-12-20", "to": "2028-12-20"})
    assert '<p class="problem" id="e-to" role="alert">366 ليلة على الأكثر في كل مرة.</p>' in too_long.text


async def paid_stay(client: AsyncTestClient[Any], username: str = "M0002", **changes: Any) -> dict[str, Any]:
    headers = await login(client, username)
    booking = (await client.post("/api/bookings", json={**STAY, **changes}, headers=headers)).json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    return dict(booking)


async def test_names_not_codes_and_latin_names_isolated_on_arabic_pages(client: AsyncTestClient[Any]) -> None:
    booking = await paid_stay(client)
    await page_login(client, "M0002")
    await switch_language(client, "ar")
    listing = (await client.get("/bookings")).text
    assert "<strong>الأرز</strong> · استوديو" in listing
    assert "ifrane" not in listing.replace(f"/bookings/{booking['id']}", "")
    page = (await client.get(f"/bookings/{booking['id']}")).text
    # "Hiver à Ifrane -15%" next to its amount, each isolated: right to left they keep their own order.
    promotion = re.search(r'<dd id="promotion">(.*?)</dd>', page)
    assert promotion
    assert re.fullmatch(
        r"<bdi>Hiver à Ifrane -15%</bdi> \(<bdi>−\u200f[\d.]+,\d\d\u00a0د\.م\.\u200f</bdi>\)",
        promotion.group(1),
    )
    cancel = (await client.get(f"/bookings/{booking['id']}/cancel")).text
    assert "<strong>الأرز</strong> · استوديو" in cancel
    client.cookies.clear()
    await page_login(client, "staff")
    await switch_language(client, "ar", "/staff")
    kpis = (await client.get("/staff")).text
    assert re.search(r'<tr data-category="active"><td>في حالة نشاط</td>', kpis)
    config = (await client.get("/staff/config/tariffs")).text
    tariffs = re.search(r'<table id="tariffs">.*?</table>', config, re.S)
    assert tariffs
    ifrane = re.search(r'<tbody data-season="[^"]+" data-centre="ifrane">.*?</tbody>', tariffs.group(0), re.S)
    assert ifrane  # a group a season and centre, named in its heading
    assert "</bdi> · الأرز</th>" in ifrane.group(0)
    assert "<td>استوديو</td><td>متقاعدون</td>" in ifrane.group(0)
    assert "<td>ifrane</td>" not in tariffs.group(0)
    manager = (await client.get("/manage/ifrane")).text
    assert "<td>استوديو</td><td>متقاعدون</td>" in manager


async def test_the_refund_policy_is_shown_in_the_members_language(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    booking = await paid_stay(client)
    clock.advance(days=25)  # 2026-12-18: two days' notice
    await page_login(client, "M0002")
    await switch_language(client, "ar")
    preview = (await client.get(f"/bookings/{booking['id']}/cancel")).text
    rule = re.search(r'<p id="refund-rule">(.*?)</p>', preview)
    assert rule
    assert "يسترجع" in rule.group(1)
    assert "refunded" not in preview
    tiers = re.findall(r"<li(?: class=\"applies\")?>(.*?)</li>", preview)
    assert len(tiers) >= 2
    assert all(re.search(r"[\u0600-\u06ff]", tier) for tier in tiers)
    assert '<li class="applies">' + rule.group(1) + "</li>" in preview
    clock.advance(days=3)  # the stay has begun
    late = (await client.get(f"/bookings/{booking['id']}/cancel")).text
    assert '<p id="refund-rule">لا استرجاع بعد بداية الإقامة.</p>' in late


async def test_a_payment_arriving_after_the_hold_was_lost_is_explained_in_arabic(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    first = await login(client, "M0001")  # prefers Arabic
    stay = {"unit_type": "bungalow", "guests": 4}
    booking = (await client.post("/api/bookings", json={**STAY, **stay}, headers=first)).json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=first
    )
    clock.advance(minutes=16)
    for username in ("M0002", "M0003", "M0004"):
        taken = await client.post(
            "/api/bookings", json={**STAY, **stay}, headers=await login(client, username)
        )
        assert taken.status_code == 201
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=first)
    await page_login(client, "M0001")
    page = (await client.get(f"/bookings/{booking['id']}")).text
    notice = re.search(r'<p class="notice" id="notice">(.*?)</p>', page)
    assert notice
    assert notice.group(1).startswith("وصل دفعك بمبلغ")
    assert "د.م." in notice.group(1)
    assert "refunded" not in page


async def test_the_test_payment_page_speaks_the_members_language_and_leads_back(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0001")  # prefers Arabic
    held = await post_form(client, "/search", "/search/hold", {k: str(v) for k, v in STAY.items()})
    booking_url = held.headers["location"]
    pay = await post_form(client, booking_url, booking_url + "/pay", {"method": "card"})
    payment_url = pay.headers["location"]
    before = await client.get(payment_url)
    assert '<html lang="ar" dir="rtl">' in before.text
    assert "وضع الاختبار" in before.text
    assert 'data-status="pending">في انتظار التأكيد</strong>' in before.text
    assert f'action="{payment_url}/confirm"' in before.text
    await post_form(client, payment_url, payment_url + "/confirm", {})
    after = await client.get(payment_url)
    assert 'data-status="succeeded">تم استلام الدفع: حجزك مؤكد.</strong>' in after.text
    assert "/confirm" not in after.text  # nothing left to confirm
    back = re.search(r'<a href="([^"]+)" id="back-to-booking">العودة إلى حجزي</a>', after.text)
    assert back
    assert back.group(1) == booking_url
    await switch_language(client, "fr")
    french = await client.get(payment_url)
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "Paiement reçu : votre réservation est confirmée." in french.text


async def test_the_manager_sees_who_is_on_site_from_the_gate_scans(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    booking = await paid_stay(client)
    staff = await login(client, "staff")
    device = (
        await client.post("/api/access/devices", json={"centre": "ifrane", "name": "Gate"}, headers=staff)
    ).json()
    member = await login(client, "M0002")
    pass_id = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()["pass_id"]
    clock.advance(days=27, hours=5)  # 2026-12-20 14:00 UTC, 15:00 in Ifrane (UTC+1)
    gate = {"Authorization": f"Bearer {device['token']}"}
    entries = []
    for minutes in (0, 5):  # two of the party come in
        at = clock() + timedelta(minutes=minutes)
        entries.append(
            {"event_id": str(uuid.uuid4()), "pass_id": pass_id, "direction": "in", "decision": "granted",
             "reason": "valid", "scanned_at": at.isoformat()}
        )  # fmt: skip
    stored = await client.post("/api/access/scans", json={"events": entries}, headers=gate)
    assert stored.json()["accepted"] == 2
    await page_login(client, "manager-ifrane")
    page = (await client.get("/manage/ifrane")).text
    table = re.search(r'<table id="on-site-table">.*?</table>', page, re.S)
    assert table
    assert "<thead>" in table.group(0)
    row = re.search(r"<tbody><tr>(.*?)</tr></tbody>", table.group(0))
    assert row
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells[0] == f"<bdi>{booking['unit']}</bdi>"
    assert cells[2] == "2"
    assert cells[3] == "<bdi>20 déc. 2026, 15:00</bdi>"
    assert '<p class="big" id="on-site"' in page
    assert re.search(r'id="on-site"[^>]*>2</p>', page)
    elsewhere = (await client.get("/manage/saidia")).status_code
    assert elsewhere == 403


async def test_staff_occupancy_counts_paid_stays_not_holds_and_satisfaction_is_the_years(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    await page_login(client, "staff")

    async def ifrane_rate() -> str:
        found = re.search(
            r'<tr data-centre="ifrane">.*?<td class="rate"><bdi>([\d,]+)%',
            (await client.get("/staff")).text,
            re.S,
        )
        assert found
        return found.group(1)

    assert await ifrane_rate() == "0"
    member = await login(client, "M0003")
    held = await client.post("/api/bookings", json=STAY, headers=member)
    assert held.status_code == 201
    assert await ifrane_rate() == "0"  # an unpaid hold is not a stay
    checkout = await client.post(
        f"/api/bookings/{held.json()['id']}/checkout", json={"method": "card"}, headers=member
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=member)
    assert float((await ifrane_rate()).replace(",", ".")) > 0
    clock.advance(days=27)  # 2026-12-20, the arrival day: the desk checks the stay in
    desk = await login(client, "manager-ifrane")
    checked_in = await client.post(f"/api/bookings/{held.json()['id']}/check-in", headers=desk)
    assert checked_in.status_code == 200, checked_in.text
    clock.advance(days=4)  # 2026-12-24, departure day: the member rates the stay
    client.cookies.clear()
    await page_login(client, "M0003")
    url = f"/bookings/{held.json()['id']}"
    answers = {"reception": "4", "cleanliness": "4", "value": "4"}
    assert (await post_form(client, url, url + "/rate", answers)).status_code == 303
    client.cookies.clear()
    await page_login(client, "staff")
    assert '<p class="big" id="kpi-satisfaction">4,00/5</p>' in (await client.get("/staff")).text
    clock.advance(days=10)  # 2027: last year's rating is not this year's satisfaction
    next_year = (await client.get("/staff")).text
    assert "<h1>Indicateurs de l'année 2027</h1>" in next_year
    assert '<p class="big" id="kpi-satisfaction">—</p>' in next_year


async def the_one(client: AsyncTestClient[Any], url: str, headers: dict[str, str], **match: Any) -> Any:
    """The one item of an API listing with these values."""
    found = [x for x in (await client.get(url, headers=headers)).json() if match.items() <= x.items()]
    assert len(found) == 1, match
    return found[0]


async def test_staff_create_a_promotion_with_every_condition_then_lift_its_caps(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    form = (await client.get("/staff/promotions")).text
    boxes = ('unit_types" value="studio', 'categories" value="retired', 'arrival_weekdays" value="6')
    for box in (*boxes, 'centres" value="saidia', "exclusive"):
        assert f'name="{box}"' in form, box
    sent = {
        "name": "Week-end retraités",
        "kind": "fixed",
        "amount": "100",
        "centres": ["ifrane", "saidia"],
        "unit_types": ["studio", "apt2"],
        "categories": ["retired"],
        "arrival_weekdays": ["5", "6"],
        "stay_from": "2027-01-01",
        "stay_until": "2027-03-31",
        "book_from": "2026-12-01",
        "book_until": "2027-03-15",
        "min_nights": "2",
        "max_uses": "50",
        "max_uses_per_member": "1",
        "budget": "2500",
        "exclusive": "on",
    }
    created = await post_form(client, "/staff/promotions", "/staff/promotions", sent)
    assert created.status_code == 303, created.text
    staff = await login(client, "staff")
    p = await the_one(client, "/api/promotions", staff, name=sent["name"])
    assert (p["centres"], p["unit_types"], p["categories"]) == (
        ["ifrane", "saidia"],
        ["apt2", "studio"],
        ["retired"],
    )
    assert (p["arrival_weekdays"], p["book_from"], p["book_until"]) == ([5, 6], "2026-12-01", "2027-03-15")
    assert (p["max_uses"], p["max_uses_per_member"], p["budget"]["amount_minor"]) == (50, 1, 250_000)
    assert p["exclusive"] is True
    url = f"/staff/promotions/{p['id']}"
    edit = (await client.get(url)).text
    assert 'id="f-max_uses_per_member" name="max_uses_per_member" type="number" value="1"' in edit
    lifted = await post_form(
        client, url, url, {"name": sent["name"], "max_uses": "", "max_uses_per_member": "2", "budget": ""}
    )
    assert lifted.status_code == 303, lifted.text
    after = (await client.get(f"/api/promotions/{p['id']}", headers=staff)).json()
    assert (after["max_uses"], after["max_uses_per_member"], after["budget"]) == (None, 2, None)
    assert after["exclusive"] is False  # the box was left unticked
    wrong_day = await post_form(
        client, "/staff/promotions", "/staff/promotions", {**sent, "arrival_weekdays": "9"}
    )
    assert wrong_day.status_code == 422
    assert re.search(r'<fieldset class="checks invalid" id="f-arrival_weekdays"', wrong_day.text)


async def test_staff_create_a_season_and_revoke_a_gate_device(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    season = {
        "code": "ifrane-ski-2027",
        "name_fr": "Ski 2027",
        "name_ar": "تزلج 2027",
        "kind": "off_season",
        "centre": "ifrane",
        "starts_on": "2027-01-10",
        "ends_on": "2027-02-10",
        "min_nights": "3",
        "max_nights": "7",
        "arrival_weekdays": ["6", "7"],
    }
    created = await post_form(client, "/staff/config", "/staff/config/new-season", season)
    assert created.status_code == 303, created.text
    staff = await login(client, "staff")
    stored = await the_one(client, "/api/seasons", staff, code=season["code"])
    assert (stored["centre"], stored["min_nights"], stored["arrival_weekdays"]) == (
        "ifrane",
        3,
        [6, 7],
    )
    row = re.search(
        r'<tr data-season="ifrane-ski-2027".*?</tr>', (await client.get("/staff/config")).text, re.S
    )
    assert row
    assert "<td>Al Arz</td>" in row.group(0)
    again = await post_form(client, "/staff/config", "/staff/config/new-season", season)
    assert again.status_code == 422
    assert field_problem(again.text, "new-season-code")
    assert "Ce code de saison existe déjà." in again.text
    backwards = {**season, "code": "x-2027", "ends_on": "2027-01-01"}
    refused = await post_form(client, "/staff/config", "/staff/config/new-season", backwards)
    assert refused.status_code == 422
    assert field_problem(refused.text, "new-season-ends_on")

    device = (
        await client.post("/api/access/devices", json={"centre": "ifrane", "name": "Gate B"}, headers=staff)
    ).json()
    gate = {"Authorization": f"Bearer {device['token']}"}
    assert (await client.get("/api/access/device", headers=gate)).status_code == 200
    listing = (await client.get("/staff/devices")).text
    assert re.search(r"<thead><tr><th>Centre</th><th>Nom</th>", listing)
    action = f"/staff/devices/{device['device_id']}/revoke"
    assert f'action="{action}"' in listing
    revoked = await post_form(client, "/staff/devices", action, {})
    assert revoked.status_code == 303
    assert (await client.get("/api/access/device", headers=gate)).status_code == 401
    after = (await client.get("/staff/devices")).text
    assert "Borne révoquée : son jeton ne fonctionne plus." in html.unescape(after)  # the flash, once
    row = re.search(rf'<tr data-device="{device["device_id"]}">.*?</tr>', after, re.S)
    assert row
    assert "Révoquée" in row.group(0)
    assert "/revoke" not in row.group(0)
    unknown = await post_form(client, "/staff/devices", f"/staff/devices/{uuid.uuid4()}/revoke", {})
    assert unknown.status_code == 404
