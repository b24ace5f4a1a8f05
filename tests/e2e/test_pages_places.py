"""Centres as places: the centre page in both languages, its photos resized on the server, the search
naming the town and the arrival and departure times."""

from __future__ import annotations

import io
from typing import Any

import icalendar
from litestar.testing import AsyncTestClient
from PIL import Image

from kernel.settings import Settings
from tests.conftest import confirm_booking, hold, login
from tests.e2e.test_pages import page_login


async def test_the_centre_page_says_where_it_is_when_to_arrive_and_what_it_offers(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")  # prefers French
    page = await client.get("/centres/ifrane")
    assert page.status_code == 200
    html = page.text
    assert "Al Arz · Ifrane" in html
    assert 'id="arrival-time">à partir de 14:00' in html
    assert 'id="departure-time">avant 12:00' in html
    assert "Avenue des Cèdres, 53000 Ifrane" in html
    assert 'href="geo:33.522800,-5.110600?q=33.522800,-5.110600(Al%20Arz)"' in html
    assert "openstreetmap.org/?mlat=33.522800&amp;mlon=-5.110600" in html
    assert "Cheminées" in html
    assert html.count('loading="lazy"') == 2


async def test_the_centre_page_in_arabic(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0001")  # prefers Arabic
    html = (await client.get("/centres/saidia")).text
    assert "السعيدية" in html
    assert "شارع البحر الأبيض المتوسط" in html
    assert "مسبح" in html


async def test_a_photo_is_resized_on_the_server_to_the_width_asked(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    response = await client.get("/centres/ifrane/photos/ifrane-1.jpg?w=300")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (320, 213)
    large = Image.open(io.BytesIO((await client.get("/centres/ifrane/photos/ifrane-1.jpg?w=960")).content))
    assert large.width == 960


async def test_only_a_centres_own_photos_are_served(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    assert (await client.get("/centres/ifrane/photos/saidia-1.jpg")).status_code == 404
    assert (await client.get("/centres/nowhere")).status_code == 404


async def test_the_search_names_the_town_and_the_arrival_and_departure_times(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")
    html = (
        await client.get("/search?centre=sidi-bouzid&arrival=2026-12-20&departure=2026-12-24&guests=2")
    ).text
    assert "Asianda — Sidi Bouzid, El Jadida" in html
    assert "Arrivée à partir de 14:00, départ avant 12:00" in html
    assert 'href="/centres/sidi-bouzid"' in html


async def _search(client: AsyncTestClient[Any], centre: str, code: str, departure: str = "2026-12-24") -> str:
    response = await client.get(
        f"/search?centre={centre}&arrival=2026-12-20&departure={departure}&guests=2&promo_code={code}"
    )
    return response.text


async def test_a_promotion_code_in_the_search_prices_the_results_with_it(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0002")
    without = await _search(client, "saidia", "")
    with_code = await _search(client, "saidia", "saidia10")
    assert "Code Saïdia -10%" not in without
    assert "Code SAIDIA10 appliqué" in with_code
    assert with_code.count("Code Saïdia -10%") == 3  # every unit type of the centre


async def test_a_code_that_does_not_apply_says_why_at_its_field(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    unknown = await _search(client, "saidia", "NOPE")
    assert 'id="e-promo_code"' in unknown
    assert "Aucune promotion n&#39;a ce code." in unknown
    elsewhere = await _search(client, "ifrane", "SAIDIA10")
    assert "Ce code n&#39;est pas valable dans ce centre." in elsewhere
    assert 'data-unit-type="studio"' in elsewhere  # the prices are still shown, without the code
    one_night = await _search(client, "saidia", "SAIDIA10", departure="2026-12-21")
    assert "au moins 2 nuits" in one_night


async def test_the_gate_view_waits_for_the_stay_to_be_confirmed(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "M0002")
    held = await hold(client, headers)
    assert held.status_code == 201, held.text
    await page_login(client, "M0002")
    assert (await client.get(f"/bookings/{held.json()['id']}/gate")).status_code == 409


async def test_add_to_calendar_gives_the_paid_stay_at_the_centres_times_to_its_member_only(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    headers = await login(client, "M0002")
    held = await hold(client, headers)
    booking_id = held.json()["id"]
    await page_login(client, "M0002")
    assert (await client.get(f"/bookings/{booking_id}/stay.ics")).status_code == 409  # not paid yet
    await confirm_booking(settings, booking_id)
    page = (await client.get(f"/bookings/{booking_id}")).text
    assert f'href="/bookings/{booking_id}/stay.ics"' in page
    response = await client.get(f"/bookings/{booking_id}/stay.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start.date().isoformat(), f"{start:%H:%M}") == (held.json()["arrival"], "14:00")
    assert (end.date().isoformat(), f"{end:%H:%M}") == (held.json()["departure"], "12:00")
    assert str(start.tzinfo) == "Africa/Casablanca"
    await page_login(client, "M0003")  # another member
    assert (await client.get(f"/bookings/{booking_id}/stay.ics")).status_code == 404


async def test_the_service_worker_is_served_at_the_root_to_anyone(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "estivage-pass-v1" in response.text
