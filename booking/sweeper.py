"""Tidying, never correctness: every reader already treats a lapsed hold as expired."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, update

from booking.domain import states
from booking.events import HoldsLapsed
from booking.models import Booking
from kernel.uow import UnitOfWork


async def mark_lapsed_holds_expired(uow: UnitOfWork, now: datetime) -> int:
    """The worker's job: lapsed holds marked expired, and ``HoldsLapsed`` told (an open card payment of
    theirs is given up at the provider by its handler)."""
    async with uow:
        booking_ids = await _lapse(uow, now)
        await uow.commit()
        return len(booking_ids)


async def lapse_holds_of(uow: UnitOfWork, member_id: int, now: datetime) -> tuple[uuid.UUID, ...]:
    """A step of a member's new hold or checkout: their own holds past expiry marked expired and
    ``HoldsLapsed`` told, so that a card payment still open for one is given up now rather than at the
    worker's next round (and in the demo, which runs no worker). Records, does not commit."""
    return await _lapse(uow, now, Booking.member_id == member_id)


async def _lapse(uow: UnitOfWork, now: datetime, *where: ColumnElement[bool]) -> tuple[uuid.UUID, ...]:
    lapsed = await uow.session.scalars(
        update(Booking)
        .where(Booking.status == states.HELD, Booking.hold_expires_at <= now, *where)
        .values(status=states.EXPIRED, hold_expires_at=None)
        .returning(Booking.id)
    )
    booking_ids = tuple(lapsed)
    if booking_ids:
        uow.record(HoldsLapsed(occurred_at=now, booking_ids=booking_ids))
    return booking_ids
