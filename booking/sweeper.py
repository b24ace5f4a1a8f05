"""Tidying, never correctness: every reader already treats a lapsed hold as expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.domain import states
from booking.models import Booking


async def mark_lapsed_holds_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        update(Booking)
        .where(Booking.status == states.HELD, Booking.hold_expires_at <= now)
        .values(status=states.EXPIRED, hold_expires_at=None)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
