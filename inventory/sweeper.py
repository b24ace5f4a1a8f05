"""Tidying, never correctness: readers already ignore expired holds; this deletes their rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.models import StayNight


async def delete_expired_hold_nights(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        delete(StayNight).where(StayNight.hold_expires_at.is_not(None), StayNight.hold_expires_at <= now)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
