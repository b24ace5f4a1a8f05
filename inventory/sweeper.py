"""Tidying, never correctness: readers already ignore expired holds; this deletes their rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from inventory.models import StayNight
from kernel.uow import UnitOfWork


async def delete_expired_hold_nights(uow: UnitOfWork, now: datetime) -> int:
    async with uow:
        result = await uow.session.execute(
            delete(StayNight).where(StayNight.hold_expires_at.is_not(None), StayNight.hold_expires_at <= now)
        )
        await uow.commit()
        return int(getattr(result, "rowcount", 0) or 0)
