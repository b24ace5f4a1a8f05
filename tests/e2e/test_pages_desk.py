"""The desk on the manager's page: a chosen day's arrivals and departures with the party's names, the unit
and the payment; check-in (in another free unit of the type, never a taken one), no-show, check-out, each
a form with the page's CSRF token and its words after; housekeeping set per unit; another centre's
manager refused on the server; the occupancy chart's two labelled axes."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import Clock, login
from tests.e2e.test_gate_fleet import _stay
from tests.e2e.test_pages import csrf_of, page_login, post_form

DESK = "/manage/ifrane?day=2026-12-20"


def table(html: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">.*?</table>', html, re.S)
    assert found, f"the page has a table {table_id}"
    return found.group(0)


def row(html: str, booking_id: str) -> str:
    found = re.search(rf'<tr data-booking="{booking_id}">.*?</tr>', html, re.S)
    assert found, f"the desk shows booking {booking_id}"
    return found.group(0)


async def test_the_desk_checks_in_moves_marks_a_no_show_and_checks_out_from_the_page(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    first = await _stay(client, "M0001")
    second = await _stay(client, "M0002")
    member = first["member"]
    await client.put(
        f"/api/bookings/{first['booking_id']}/party",
        headers=member,
        json={"party": [{"name": "Karim Benali", "relation": "spouse", "age_band": "adult"}]},
    )
    staff = await login(client, "staff")
    units = {
        b: (await client.get(f"/api/bookings/{b}", headers=staff)).json()["unit"]
        for b in (first["booking_id"], second["booking_id"])
    }
    await page_login(client, "manager-ifrane")

    # Three weeks ahead the day's arrivals are there, with the party, the unit and the payment.
    shown = await client.get(DESK)
    assert shown.status_code == 200, shown.text
    line = row(table(shown.text, "arrivals"), first["booking_id"])
    assert f"<td><bdi>{units[first['booking_id']]}</bdi></td>" in line
    assert "<bdi>Karim Benali</bdi>" in line
    assert "M0001" in line
    assert re.search(r'<td class="payment">\s*Carte \(mode test\) · payée', line), line
    # The free units offered for the move never include the other stay's.
    offered = re.findall(r'<option value="([^"]+)">', line)
    assert units[second["booking_id"]] not in offered
    assert offered, "another studio is free on those nights"

    early = await post_form(
        client, DESK, f"/manage/ifrane/bookings/{first['booking_id']}/check-in", {"day": "2026-12-20"}
    )
    assert early.status_code == 409
    assert 'id="desk-problem"' in early.text
    assert "revenez le jour de l&#39;arrivée" in early.text, early.text

    clock.advance(days=27)  # 20 December, the arrival day
    onto_taken = await post_form(
        client,
        DESK,
        f"/manage/ifrane/bookings/{first['booking_id']}/check-in",
        {"day": "2026-12-20", "unit": units[second["booking_id"]]},
    )
    assert onto_taken.status_code == 409
    assert re.search(r'<p class="problem" role="alert" id="desk-problem">[^<]+</p>', onto_taken.text)
    assert (await client.get(f"/api/bookings/{first['booking_id']}", headers=staff)).json()[
        "status"
    ] == "confirmed"

    moved_to = offered[0]
    checked_in = await post_form(
        client,
        DESK,
        f"/manage/ifrane/bookings/{first['booking_id']}/check-in",
        {"day": "2026-12-20", "unit": moved_to},
    )
    assert checked_in.status_code == 303, checked_in.text
    after = await client.get(checked_in.headers["location"])
    assert f"Arrivée enregistrée : logement {moved_to}." in after.text
    read = (await client.get(f"/api/bookings/{first['booking_id']}", headers=staff)).json()
    assert (read["status"], read["unit"]) == ("checked_in", moved_to)
    assert f'id="check-in-{first["booking_id"]}"' not in after.text

    no_show = await post_form(
        client, DESK, f"/manage/ifrane/bookings/{second['booking_id']}/no-show", {"day": "2026-12-20"}
    )
    assert no_show.status_code == 303, no_show.text
    assert "Non-présentation enregistrée" in (await client.get(no_show.headers["location"])).text
    assert (await client.get(f"/api/bookings/{second['booking_id']}", headers=staff)).json()[
        "status"
    ] == "no_show"
    # The family comes after all, later that day: the desk checks it in (its nights were kept).
    late_row = row(table((await client.get(DESK)).text, "arrivals"), second["booking_id"])
    assert "Enregistrer l’arrivée : arrivé en retard" in late_row, late_row
    assert f'id="no-show-{second["booking_id"]}"' not in late_row
    late = await post_form(
        client, DESK, f"/manage/ifrane/bookings/{second['booking_id']}/check-in", {"day": "2026-12-20"}
    )
    assert late.status_code == 303, late.text
    assert (await client.get(f"/api/bookings/{second['booking_id']}", headers=staff)).json()[
        "status"
    ] == "checked_in"

    departures = "/manage/ifrane?day=2026-12-24"
    leaving = row(table((await client.get(departures)).text, "departures"), first["booking_id"])
    assert f'id="check-out-{first["booking_id"]}"' in leaving
    out = await post_form(
        client, departures, f"/manage/ifrane/bookings/{first['booking_id']}/check-out", {"day": "2026-12-24"}
    )
    assert out.status_code == 303, out.text
    page = (await client.get(out.headers["location"])).text
    assert "Départ enregistré" in page
    housekeeping = re.search(rf'<tr data-unit="{moved_to}">.*?</tr>', table(page, "housekeeping"), re.S)
    assert housekeeping
    assert '<td class="state to_clean">À nettoyer</td>' in housekeeping.group(0)


async def test_housekeeping_is_set_from_the_page_and_bad_input_is_a_shown_problem(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    unit = next(
        u["number"]
        for u in (await client.get("/api/centres/ifrane/units", headers=staff)).json()
        if u["unit_type"] == "studio"
    )
    await page_login(client, "manager-ifrane")
    url = f"/manage/ifrane/units/{unit}/housekeeping"
    set_out = await post_form(client, DESK, url, {"state": "out_of_service", "day": "2026-12-20"})
    assert set_out.status_code == 303, set_out.text
    page = (await client.get(set_out.headers["location"])).text
    assert re.search(rf'<p class="flash success">Logement {unit} : état de ménage enregistré\.</p>', page)
    assert '<td class="state out_of_service">Hors service</td>' in page
    states = (await client.get("/api/centres/ifrane/housekeeping", headers=staff)).json()
    assert {"unit": unit, "state": "out_of_service"} in states

    dusty = await post_form(client, DESK, url, {"state": "dusty"})
    assert dusty.status_code == 422
    assert 'id="desk-problem"' in dusty.text
    nowhere = await post_form(client, DESK, "/manage/ifrane/units/nope/housekeeping", {"state": "clean"})
    assert nowhere.status_code == 404

    without_token = await client.post(url, data={"state": "clean"}, follow_redirects=False)
    assert without_token.status_code == 403


async def test_a_manager_cannot_work_another_centres_desk(client: AsyncTestClient[Any], clock: Clock) -> None:
    stay = await _stay(client, "M0001")
    clock.advance(days=27)
    await page_login(client, "manager-saidia")
    own = await client.get("/manage/saidia")
    assert own.status_code == 200
    token = csrf_of(own.text)
    check_in = await client.post(
        f"/manage/saidia/bookings/{stay['booking_id']}/check-in",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert check_in.status_code == 404
    other = await client.post(
        f"/manage/ifrane/bookings/{stay['booking_id']}/no-show",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert other.status_code == 404
    room = await client.post(
        "/manage/ifrane/units/S1/housekeeping",
        data={"_csrf_token": token, "state": "out_of_service"},
        follow_redirects=False,
    )
    assert room.status_code == 403
    assert (await client.get("/manage/ifrane?day=2026-12-20")).status_code == 403
    staff = await login(client, "staff")
    assert (await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json()[
        "status"
    ] == "confirmed"


async def test_the_occupancy_chart_has_a_labelled_axis_for_units_and_one_for_persons(
    client: AsyncTestClient[Any],
) -> None:
    await _stay(client, "M0001", unit_type="apt2", guests=3)
    await page_login(client, "manager-ifrane")
    page = (await client.get("/manage/ifrane?from=2026-12-18&to=2026-12-25")).text
    chart = re.search(r'<svg class="chart" id="occupancy-chart".*?</svg>', page, re.S)
    assert chart
    svg = chart.group(0)
    units_axis = re.search(r'<g class="axis" id="units-axis">(.*?)</g>', svg, re.S)
    persons_axis = re.search(r'<g class="axis persons-axis" id="persons-axis">(.*?)</g>', svg, re.S)
    nights_axis = re.search(r'<g class="axis" id="nights-axis">(.*?)</g>', svg, re.S)
    assert units_axis
    assert persons_axis
    assert nights_axis
    assert ">Logements</text>" in units_axis.group(1)
    assert ">Personnes</text>" in persons_axis.group(1)
    # Each axis starts at 0 and reaches at least its own peak: 3 persons on the 20th, the units in service.
    persons_ticks = [int(v) for v in re.findall(r'font-size="11">(\d+)</text>', persons_axis.group(1))]
    assert persons_ticks[0] == 0
    assert persons_ticks[-1] >= 3
    units_ticks = [int(v) for v in re.findall(r'font-size="11">(\d+)</text>', units_axis.group(1))]
    assert units_ticks[0] == 0
    assert units_ticks[-1] >= 1
    assert "18/12" in nights_axis.group(1)
    assert ">Nuit (jour/mois)</text>" in nights_axis.group(1)
