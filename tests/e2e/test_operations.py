"""Operators' view: health, readiness, the OpenAPI document, and housekeeping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from booking.models import Booking
from estivage.worker import run_once
from inventory.models import StayNight
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import NOW, hold, login


async def test_health_and_readiness_answer_without_a_token(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "store": "ok"}


async def test_the_openapi_document_describes_the_contract_endpoints(client: AsyncTestClient[Any]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path in ("/api/auth/token", "/api/me", "/api/centres", "/api/availability"):
        assert path in paths
    availability = paths["/api/availability"]["get"]
    assert {p["name"] for p in availability["parameters"]} >= {"centre", "arrival", "departure", "guests"}
    assert "200" in availability["responses"]


async def test_the_worker_deletes_expired_hold_nights_and_keeps_live_ones(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    first, second = await login(client, "M0001"), await login(client, "M0002")
    assert (await hold(client, first)).status_code == 201
    assert (await hold(client, second, arrival="2027-01-10", departure="2027-01-13")).status_code == 201
    engine = create_disposable_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(
            update(Booking)
            .where(Booking.arrival == date(2026, 12, 20))
            .values(hold_expires_at=NOW - timedelta(seconds=1))
        )
        await session.execute(
            update(StayNight)
            .where(StayNight.night < date(2027, 1, 1))
            .values(hold_expires_at=NOW - timedelta(seconds=1))
        )
        await session.commit()
    done = await run_once(sessions, NOW)
    assert done == {
        "lapsed holds marked expired": 1,
        "expired hold nights deleted": 4,
        "summer offers settled (paid, lapsed, re-offered)": 0,
        "reminders written (payment due, arrival soon)": 0,
        "stays nobody claimed recorded no-shows": 0,
    }
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StayNight)) == 3
        statuses = sorted((await session.scalars(select(Booking.status))).all())
        assert statuses == ["expired", "held"]
    await engine.dispose()
