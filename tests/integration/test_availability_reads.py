"""Availability reads the nights taken in the database: confirmed stays and live holds count, expired
holds do not, with no job run in between."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from estivage.db import create_disposable_engine, session_factory
from inventory.models import Centre, StayNight, Unit, UnitType
from inventory.services import search_stay
from tests.conftest import NOW

ARRIVAL, DEPARTURE = date(2026, 12, 20), date(2026, 12, 23)


async def _take(session: AsyncSession, unit: Unit, category: str, expires: datetime | None) -> None:
    for i in range(3):
        session.add(
            StayNight(
                unit_id=unit.id,
                unit_type_id=unit.unit_type_id,
                night=ARRIVAL + timedelta(days=i),
                booking_id=uuid.uuid4(),
                category=category,
                guests=2,
                hold_expires_at=expires,
            )
        )


async def test_confirmed_and_live_held_nights_count_and_expired_holds_free_at_once(database_url: str) -> None:
    engine = create_disposable_engine(database_url)
    async with session_factory(engine)() as session:
        studio = await session.scalar(
            select(UnitType).join(Centre).where(Centre.code == "ifrane", UnitType.code == "studio")
        )
        assert studio is not None
        units = list(
            await session.scalars(select(Unit).where(Unit.unit_type_id == studio.id).order_by(Unit.id))
        )
        await _take(session, units[0], "active", None)  # confirmed
        await _take(session, units[1], "retired", NOW + timedelta(minutes=5))  # live hold
        await _take(session, units[2], "retired", NOW - timedelta(seconds=1))  # expired hold
        await session.commit()

        async def studios(category: str, now: datetime = NOW) -> int:
            result = await search_stay(
                session,
                centre_code="ifrane",
                arrival=ARRIVAL,
                departure=DEPARTURE,
                guests=2,
                category=category,
                now=now,
            )
            return next(o.available for o in result.offers if o.unit_type.code == "studio")

        assert await studios("active") == 12 - 2
        # Retired: quota 6 (half of 12), one live retired hold -> 5.
        assert await studios("retired") == 5
        # Ten minutes later the live hold has expired too.
        assert await studios("active", NOW + timedelta(minutes=10)) == 12 - 1
    await engine.dispose()
