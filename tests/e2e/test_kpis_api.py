"""The officials' indicators through the API: a known year (a stay taken, a no-show, a rating) gives exact
figures, the same as CSV; any year; one centre; staff only; a bad year is a 4xx."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from booking.models import Booking
from booking.ratings import StayRating
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


async def rate(settings: Settings, booking_id: str, score: int) -> None:
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
    await rate(settings, taken["id"], 4)
    await rate(settings, no_show["id"], 1)  # an old rating, read as it is

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
    assert ifrane["nights_open"] > 0
    assert ifrane["occupancy_rate"] == round(4 / ifrane["nights_open"], 4)
    assert ifrane["revenue"] == {"amount_minor": revenue, "currency": "MAD"}
    assert ifrane["satisfaction"] == {"count": 2, "average": 2.5}
    assert figures["satisfaction"] == {"count": 2, "average": 2.5}
    assert all(
        c["satisfaction"] == {"count": 0, "average": None} for c in figures["by_centre"] if c is not ifrane
    )
    members = sum(a["members"] for a in figures["access_by_category"])
    assert sum(a["with_stay"] for a in figures["access_by_category"]) == 1
    assert figures["access_rate"] == round(1 / members, 4)

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
    assert rows[0] == ["year", "centre", "benefits", "access_rate", "occupancy_rate", "revenue_mad"]
    mad = f"{revenue // 100}.{revenue % 100:02d}"
    assert rows[1] == ["2026", "ifrane", "", "", str(ifrane["occupancy_rate"]), mad]
    assert rows[2] == ["2026", "", "1", str(figures["access_rate"]), str(ifrane["occupancy_rate"]), mad]


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
