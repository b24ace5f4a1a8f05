"""The web pages: login by cookie, both languages, access control, forms with problems next to fields."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from estivage.settings import Settings
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


async def switch_language(client: AsyncTestClient[Any], lang: str) -> None:
    response = await post_form(client, "/bookings", "/lang", {"lang": lang, "next": "/bookings"})
    assert response.status_code == 303


async def test_form_post_without_csrf_token_is_refused_and_the_api_is_not(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")
    refused = await client.post("/lang", data={"lang": "ar"}, follow_redirects=False)
    assert refused.status_code == 403
    # The JSON API takes no CSRF token: it is excluded, bearer or cookie alike.
    api = await client.post("/api/bookings", json=STAY)
    assert api.status_code == 201, api.text


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
    confirmed = await client.post(pay.headers["location"] + "/confirm", follow_redirects=False)
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
    for name, problem in (("", "Champ obligatoire."), ("G" * 121, "Valeur invalide")):
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
    await client.post(checkout.json()["redirect_url"] + "/confirm")
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    assert 'action="' + url + '/rate"' not in (await client.get(url)).text  # not before departure
    clock.advance(days=31)  # 2026-12-24, departure day
    assert 'action="' + url + '/rate"' in (await client.get(url)).text
    bad = await post_form(client, url, url + "/rate", {"score": "6", "comment": ""})
    assert bad.status_code == 422
    assert re.search(r'<div class="field invalid">\s*<label for="f-score">', bad.text)
    good = await post_form(client, url, url + "/rate", {"score": "4", "comment": "Très calme"})
    assert good.status_code == 303
    shown = await client.get(url)
    assert "★★★★☆" in shown.text
    assert "Très calme" in shown.text
    again = await post_form(client, "/bookings", url + "/rate", {"score": "5"})
    assert again.status_code == 422  # rated once only
    client.cookies.clear()
    await page_login(client, "staff")
    kpis = (await client.get("/staff")).text
    assert '<p class="big" id="kpi-satisfaction">4.00/5</p>' in kpis
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
    config = (await client.get("/staff/config")).text
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
    assert "123.45 MAD" in (await client.get("/staff/config")).text
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
    await client.post(checkout.json()["redirect_url"] + "/confirm")
    clock.advance(days=27)  # 2026-12-20, the arrival day
    await page_login(client, "manager-ifrane")
    page = (await client.get("/manage/ifrane")).text
    arrivals = re.search(r'<table id="arrivals">.*?</table>', page, re.S)
    assert arrivals
    assert f"<td>{booking['unit']}</td>" in arrivals.group(0)
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
        r'<label for="f-amount">.*?<p class="problem" id="e-amount" role="alert">Valeur invalide',
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
    await client.post(checkout.json()["redirect_url"] + "/confirm")
    total = (await client.get(f"/api/bookings/{booking_id}", headers=headers)).json()["price"]["total"]
    clock.advance(days=25)  # 2026-12-18: two days' notice, half back under the default policy
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    preview = re.search(
        r'<strong id="refund-preview">([^<]+)</strong>', (await client.get(url + "/cancel")).text
    )
    assert preview
    half = total["amount_minor"] // 2
    assert preview.group(1) == f"{half // 100:,}.{half % 100:02d} MAD".replace(",", "\u00a0")
    await post_form(client, url + "/cancel", url + "/cancel", {})
    given = (await client.get(f"/api/bookings/{booking_id}", headers=headers)).json()["refund"]
    assert given["amount_minor"] == half


async def test_staff_change_a_season_and_read_the_pages_in_arabic(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    config = (await client.get("/staff/config")).text
    season = re.search(r'<tr data-season="([^"]+)"><td>[^<]*</td><td>off_season</td>', config)
    assert season
    code = season.group(1)
    changed = await post_form(
        client, "/staff/config", "/staff/config/season", {"season": code, "min_nights": "3"}
    )
    assert changed.status_code == 303, changed.text
    row = re.search(rf'<tr data-season="{code}">.*?</tr>', (await client.get("/staff/config")).text, re.S)
    assert row
    assert "3–" in row.group(0)
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
    assert "Ce code promotionnel ne s&#39;applique pas à ce séjour." in field.group(0)
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
    assert "<h1>Hiver</h1>" in kept
    assert 'value="999999.99"' in kept
    config = (await client.get("/staff/config")).text
    season = re.search(r'<tr data-season="([^"]+)">', config)
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
    assert main.group(1).count('id="set-tariff"') == 1


async def test_a_member_may_rate_from_the_centres_departure_day_not_utcs(
    client: AsyncTestClient[Any], clock: Any
) -> None:
    headers = await login(client, "M0002")
    booking_id = (await client.post("/api/bookings", json=STAY, headers=headers)).json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm")
    await page_login(client, "M0002")
    url = f"/bookings/{booking_id}"
    clock.advance(days=30, hours=13, minutes=59)  # 2026-12-23 22:59 UTC, 23:59 in Casablanca
    assert 'action="' + url + '/rate"' not in (await client.get(url)).text
    early = await post_form(client, "/bookings", url + "/rate", {"score": "5"})
    assert early.status_code == 422
    clock.advance(minutes=2)  # 23:01 UTC, but already the departure day in Casablanca
    assert 'action="' + url + '/rate"' in (await client.get(url)).text
    nul = await post_form(client, url, url + "/rate", {"score": "5", "comment": "calme\x00"})
    assert nul.status_code == 422
    assert re.search(r'<div class="field invalid"><label for="f-comment">', nul.text)
    rated = await post_form(client, url, url + "/rate", {"score": "5", "comment": "<b>calme</b>"})
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
