"""Tidying, never correctness: every reader already treats a lapsed hold as expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from booking.domain import states
from booking.events import HoldsLapsed
from booking.models import Booking
from kernel.uow import UnitOfWork


async def mark_lapsed_holds_expired(uow: UnitOfWork, now: datetime) -> int:
    """The worker's job: lapsed holds marked expired, and ``HoldsLapsed`` told (an open card payment of
    theirs is cancelled at the provider by its handler)."""
    async with uow:
        lapsed = await uow.session.scalars(
            update(Booking)
            .where(Booking.status == states.HELD, Booking.hold_expires_at <= now)
            .values(status=states.EXPIRED, hold_expires_at=None)
            .returning(Booking.id)
        )
        booking_ids = tuple(lapsed)
        if booking_ids:
            uow.record(HoldsLapsed(occurred_at=now, booking_ids=booking_ids))
        await uow.commit()
        return len(booking_ids)
