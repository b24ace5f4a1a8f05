"""The officials' indicators through the API: a known year (a stay taken, a no-show, a rating) gives exact
figures, the same as CSV; any year; one centre; staff only; a bad year is a 4xx."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from booking.models import Booking
from booking.ratings import StayRating
from booking.searches import MemberSearch
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import NOW, hold, login
from tests.e2e.test_pages import page_login


async def paid(client: AsyncTestClient[Any], headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    held = await hold(client, headers, **changes)
    assert held.status_code == 201, held.text
    booking_id = held.json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=headers
    )
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=headers)
    booking = await client.get(f"/api/bookings/{booking_id}", headers=headers)
    assert booking.json()["status"] == "confirmed", booking.text
    return dict(booking.json())


async def set_status(settings: Settings, booking_id: str, status: str) -> None:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await session.execute(
            update(Booking).where(Booking.id == uuid.UUID(booking_id)).values(status=status)
        )
        await session.commit()
    await engine.dispose()


async def rate(settings: Settings, booking_id: str, score: int, **answers: int) -> None:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        booking = await session.get(Booking, uuid.UUID(booking_id))
        assert booking is not None
        session.add(
            StayRating(
                booking_id=booking.id,
                member_id=booking.member_id,
                centre_id=booking.centre_id,
                score=score,
                comment="",
                **answers,
                created_at=NOW,
            )
        )
        await session.commit()
    await engine.dispose()


async def test_a_known_year_gives_exact_figures_in_json_and_csv(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    staff = await login(client, "staff")
    before = await client.get("/api/kpis", params={"year": 2026}, headers=staff)
    assert before.status_code == 200, before.text
    assert before.json()["benefits"] == 0
    assert before.json()["stays"] == 0
    taken = await paid(client, await login(client, "M0001"))  # ifrane studio 20-24 Dec 2026, 4 nights
    no_show = await paid(client, await login(client, "M0002"), arrival="2026-12-26", departure="2026-12-28")
    await set_status(settings, taken["id"], "checked_in")
    await set_status(settings, no_show["id"], "no_show")
    await rate(settings, taken["id"], 4, reception=5, cleanliness=4, value=3)
    await rate(settings, no_show["id"], 1)  # an old rating (its overall score only), read as it is
    # M0003 searched Saïdia and booked nothing: asked for a stay, got none.
    searched = await client.get(
        "/api/availability",
        params={"centre": "saidia", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": 2},
        headers=await login(client, "M0003"),
    )
    assert searched.status_code == 200, searched.text

    figures = (await client.get("/api/kpis", params={"year": 2026}, headers=staff)).json()
    assert figures["year"] == 2026
    assert figures["benefits"] == 1  # the no-show is no benefit
    assert figures["stays"] == 1
    revenue = (
        taken["price"]["total"]["amount_minor"] + no_show["price"]["total"]["amount_minor"]
    )  # a no-show's money is kept
    assert figures["revenue"] == {"amount_minor": revenue, "currency": "MAD"}
    ifrane = next(c for c in figures["by_centre"] if c["centre"] == "ifrane")
    assert ifrane["nights_sold"] == 4
    # Open in 2026: the off-season from 1 September (the seed's seasons begin there), 122 nights, at
    # Ifrane's 35 units (12 studios, 20 apartments, 3 bungalows), none closed.
    assert ifrane["nights_open"] == 122 * 35
    assert ifrane["occupancy_rate"] == round(4 / 4270, 4)
    assert ifrane["benefits"] == 1
    assert [c["benefits"] for c in figures["by_centre"] if c is not ifrane] == [0, 0, 0]
    assert ifrane["revenue"] == {"amount_minor": revenue, "currency": "MAD"}
    answered = {"reception": 5.0, "cleanliness": 4.0, "value": 3.0}  # the old rating answered none
    assert ifrane["satisfaction"] == {"count": 2, "average": 2.5, "questions": answered}
    assert figures["satisfaction"] == {"count": 2, "average": 2.5, "questions": answered}
    unrated = {"count": 0, "average": None, "questions": dict.fromkeys(answered)}
    assert all(c["satisfaction"] == unrated for c in figures["by_centre"] if c is not ifrane)
    # Asked for a stay: M0001 and M0002 (held at Ifrane), M0003 (searched Saïdia); got one: M0001 only
    # (M0002's was a no-show).
    assert figures["access"] == {"asked": 3, "with_stay": 1}
    assert figures["access_rate"] == round(1 / 3, 4)
    # The seed's roster: 500 members, every fifth retired; M0001 to M0003 are active.
    assert figures["access_by_category"] == [
        {"category": "active", "members": 400, "asked": 3, "with_stay": 1, "rate": round(1 / 3, 4)},
        {"category": "retired", "members": 100, "asked": 0, "with_stay": 0, "rate": 0.0},
    ]
    assert (ifrane["access"], ifrane["access_rate"]) == ({"asked": 2, "with_stay": 1}, 0.5)
    saidia = next(c for c in figures["by_centre"] if c["centre"] == "saidia")
    assert (saidia["access"], saidia["access_rate"]) == ({"asked": 1, "with_stay": 0}, 0.0)

    one = (await client.get("/api/kpis", params={"year": 2026, "centre": "ifrane"}, headers=staff)).json()
    assert [c["centre"] for c in one["by_centre"]] == ["ifrane"]
    assert one["revenue"] == figures["revenue"]
    assert one["occupancy_rate"] == ifrane["occupancy_rate"]

    other_year = (await client.get("/api/kpis", params={"year": 2025}, headers=staff)).json()
    assert (other_year["benefits"], other_year["stays"]) == (0, 0)
    assert other_year["revenue"]["amount_minor"] == 0

    exported = await client.get("/api/kpis.csv", params={"year": 2026, "centre": "ifrane"}, headers=staff)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == [
        "year",
        "centre",
        "benefits",
        "access_rate",
        "occupancy_rate",
        "revenue_mad",
        "satisfaction",
        "satisfaction_reception",
        "satisfaction_cleanliness",
        "satisfaction_value",
    ]
    mad = f"{revenue // 100}.{revenue % 100:02d}"
    rated = ["2.5", "5.0", "4.0", "3.0"]
    assert rows[1] == ["2026", "ifrane", "1", "0.5", str(ifrane["occupancy_rate"]), mad, *rated]
    occupancy = str(ifrane["occupancy_rate"])
    assert rows[2] == ["2026", "", "1", str(figures["access_rate"]), occupancy, mad, *rated]


async def test_kpis_are_for_staff_and_bad_input_is_a_4xx(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    assert (await client.get("/api/kpis", headers=member)).status_code == 403
    assert (await client.get("/api/kpis.csv", headers=member)).status_code == 403
    staff = await login(client, "staff")
    assert (await client.get("/api/kpis", params={"year": 1800}, headers=staff)).status_code == 422
    assert (await client.get("/api/kpis", params={"year": "x"}, headers=staff)).status_code == 400
    assert (await client.get("/api/kpis", params={"centre": "nowhere"}, headers=staff)).status_code == 404


async def test_the_staff_page_shows_any_year_with_benefits_and_trend_charts(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    taken = await paid(client, await login(client, "M0001"))
    await set_status(settings, taken["id"], "checked_in")
    await page_login(client, "staff")
    shown = (await client.get("/staff", params={"year": 2026})).text
    assert '<p class="big" id="kpi-benefits">1</p>' in shown
    assert 'href="/api/kpis.csv?year=2026"' in shown
    assert (await client.get("/api/kpis.csv", params={"year": 2026})).status_code == 200  # the link works
    for chart in ("benefits", "revenue"):
        svg = re.search(
            rf'<svg viewBox="0 0 320 180" width="100%"[^>]*data-chart="{chart}".*?</svg>', shown, re.S
        )
        assert svg, chart
        assert all(f">{y}</text>" in svg.group(0) for y in range(2022, 2027))  # the x axis, labelled
    earlier = (await client.get("/staff", params={"year": 2025})).text
    assert '<p class="big" id="kpi-benefits">0</p>' in earlier
    assert (await client.get("/staff", params={"year": 1800})).status_code == 422


async def test_a_member_who_searched_or_applied_asked_for_a_stay_once_however_often(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    searcher = await login(client, "M0004")
    stay = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": 2}
    for _ in range(2):
        assert (await client.get("/api/availability", params=stay, headers=searcher)).status_code == 200
    await page_login(client, "M0004")
    assert (await client.get("/search", params=stay)).status_code == 200
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(MemberSearch.centre_id, MemberSearch.day))).all()
    await engine.dispose()
    assert [day.isoformat() for _centre, day in rows] == ["2026-11-23"]  # one row: a member, a centre, a day

    staff = await login(client, "staff")
    campaign = await client.post(
        "/api/campaigns",
        json={"season": "summer-2027", "applications_close_at": (NOW + timedelta(days=7)).isoformat()},
        headers=staff,
    )
    assert campaign.status_code == 201, campaign.text
    applied = await client.put(
        "/api/campaigns/summer-2027/application",
        json={"choices": [{"centre": "saidia", "rotation": "r1", "unit_type": "bungalow"}], "party_size": 4},
        headers=await login(client, "M0005"),
    )
    assert applied.status_code == 201, applied.text

    this_year = (await client.get("/api/kpis", params={"year": 2026}, headers=staff)).json()
    assert this_year["access"] == {"asked": 1, "with_stay": 0}
    next_year = (await client.get("/api/kpis", params={"year": 2027}, headers=staff)).json()
    assert next_year["access"] == {"asked": 1, "with_stay": 0}  # the summer of 2027's applicant
    saidia = next(c for c in next_year["by_centre"] if c["centre"] == "saidia")
    assert saidia["access"] == {"asked": 1, "with_stay": 0}


async def test_the_staff_page_shows_the_access_rate_and_each_centres_answers(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    taken = await paid(client, await login(client, "M0001"))
    await set_status(settings, taken["id"], "checked_out")
    await rate(settings, taken["id"], 4, reception=5, cleanliness=3, value=4)
    await page_login(client, "staff")
    shown = (await client.get("/staff", params={"year": 2026})).text
    assert '<p class="big" id="kpi-access-rate"><bdi>100%</bdi></p>' in shown  # M0001 asked and got
    centres = re.search(r'<table id="kpi-centres">.*?<tr data-centre="ifrane">(.*?)</tr>', shown, re.S)
    assert centres
    assert '<td class="benefits">1</td>' in centres.group(1)
    table = r'<table id="kpi-satisfaction-centres">.*?<tr data-centre="ifrane">(.*?)</tr>'
    row = re.search(table, shown, re.S)
    assert row
    assert re.findall(r"<td>([^<]*)</td>", row.group(1))[1:] == ["1", "4,00/5", "5,00/5", "3,00/5", "4,00/5"]


async def test_a_manager_reads_the_figures_of_their_own_centre_only(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    at_ifrane = await paid(client, await login(client, "M0001"))
    at_sidi_bouzid = await paid(client, await login(client, "M0002"), centre="sidi-bouzid")
    for booking in (at_ifrane, at_sidi_bouzid):
        await set_status(settings, booking["id"], "checked_in")
    manager = await login(client, "manager-ifrane")

    figures = await client.get("/api/kpis", params={"year": 2026}, headers=manager)
    assert figures.status_code == 200, figures.text
    assert [c["centre"] for c in figures.json()["by_centre"]] == ["ifrane"]
    assert figures.json()["benefits"] == 1  # Asianda's stay is not theirs to count
    assert figures.json()["revenue"] == at_ifrane["price"]["total"]
    assert figures.json()["access"] == {"asked": 1, "with_stay": 1}
    staff = (
        await client.get("/api/kpis", params={"year": 2026}, headers=await login(client, "staff"))
    ).json()
    assert staff["benefits"] == 2
    by_centre = {c["centre"]: c["benefits"] for c in staff["by_centre"]}
    assert by_centre == {"ifrane": 1, "sidi-bouzid": 1, "saidia": 0, "mdiq": 0}
    # The centre filter narrows, never widens: another centre's figures are refused, as CSV too.
    for path in ("/api/kpis", "/api/kpis.csv"):
        other = await client.get(path, params={"year": 2026, "centre": "sidi-bouzid"}, headers=manager)
        assert other.status_code == 403, other.text
    exported = await client.get("/api/kpis.csv", params={"year": 2026, "centre": "ifrane"}, headers=manager)
    assert [row[1] for row in csv.reader(io.StringIO(exported.text))] == ["centre", "ifrane", ""]

    await page_login(client, "manager-ifrane")
    desk = (await client.get("/manage/ifrane")).text
    assert 'href="/manage/ifrane/kpis"' in desk
    shown = await client.get("/manage/ifrane/kpis", params={"year": 2026})
    assert shown.status_code == 200
    assert '<p class="big" id="kpi-benefits">1</p>' in shown.text
    assert 'data-centre="sidi-bouzid"' not in shown.text
    assert 'href="/api/kpis.csv?year=2026&amp;centre=ifrane"' in shown.text
    assert "/staff/payroll" not in shown.text
    assert (await client.get("/manage/sidi-bouzid/kpis")).status_code == 403
    assert (await client.get("/staff")).status_code == 403  # the foundation's page stays staff's
