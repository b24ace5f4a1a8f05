"""Reminders (a long hold's deadline coming, a stay about to begin): written once, read by their member."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from booking.models import Booking
from estivage.worker import run_once
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import NOW, confirm_booking, hold, login

JOB = "reminders written (payment due, arrival soon)"


async def _worker(settings: Settings, at: Any) -> int:
    engine = create_disposable_engine(settings.database_url)
    try:
        return (await run_once(session_factory(engine), at))[JOB]
    finally:
        await engine.dispose()


async def _make_long_hold(settings: Settings, booking_id: str, hours: int) -> None:
    """As a summer offer is: held for days, not minutes."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == uuid.UUID(booking_id))
            .values(hold_expires_at=NOW + timedelta(hours=hours))
        )
        await session.commit()
    await engine.dispose()


async def test_a_long_hold_gets_one_payment_reminder_a_day_before_its_deadline(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    assert await _worker(settings, NOW) == 0  # a 15-minute hold: the member is paying right now
    await _make_long_hold(settings, booking["id"], hours=72)
    assert await _worker(settings, NOW + timedelta(hours=47)) == 0  # more than a day left
    assert await _worker(settings, NOW + timedelta(hours=49)) == 1
    assert await _worker(settings, NOW + timedelta(hours=50)) == 0  # once
    [reminder] = (await client.get("/api/reminders", headers=member)).json()
    assert reminder["booking_id"] == booking["id"]
    assert reminder["kind"] == "payment_due"
    assert reminder["due_at"].startswith((NOW + timedelta(hours=72)).isoformat()[:19])
    assert (reminder["centre"], reminder["arrival"]) == ("ifrane", "2026-12-20")
    other = await login(client, "M0002")
    assert (await client.get("/api/reminders", headers=other)).json() == []
    assert (await client.get("/api/reminders", headers=await login(client, "staff"))).status_code == 403
    assert (await client.get("/api/reminders")).status_code == 401


async def test_a_confirmed_stay_gets_one_reminder_three_days_before_arrival(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0003")
    booking = (await hold(client, member)).json()
    await confirm_booking(settings, booking["id"])
    arrival = NOW.replace(year=2026, month=12, day=20, hour=8)
    assert await _worker(settings, arrival - timedelta(days=4)) == 0
    assert await _worker(settings, arrival - timedelta(days=3)) == 1
    assert await _worker(settings, arrival - timedelta(days=1)) == 0
    reminders = (await client.get("/api/reminders", headers=member)).json()
    assert [(r["kind"], r["booking_id"]) for r in reminders] == [("arrival_soon", booking["id"])]
    cancelled = (await hold(client, await login(client, "M0004"), arrival="2026-12-21")).json()
    await confirm_booking(settings, cancelled["id"])
    owner = await login(client, "M0004")
    assert (await client.post(f"/api/bookings/{cancelled['id']}/cancel", headers=owner)).status_code == 200
    assert await _worker(settings, arrival - timedelta(days=1)) == 0  # a cancelled stay is not reminded
