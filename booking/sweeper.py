"""Tidying, never correctness: every reader already treats a lapsed hold as expired."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, update

from booking.domain import states
from booking.events import HoldsLapsed
from booking.models import Booking
from booking.repository import BOOKINGS
from kernel.uow import UnitOfWork


async def mark_lapsed_holds_expired(uow: UnitOfWork, now: datetime) -> int:
    """The worker's job: lapsed holds marked expired, and ``HoldsLapsed`` told (an open card payment of
    theirs is given up at the provider by its handler)."""
    async with uow:
        booking_ids = await _lapse(uow, now)
        await uow.commit()
        return len(booking_ids)


# A member's own lapsed holds, built once on the table (a plain Core statement: it runs in every hold).
_LAPSE_OF_MEMBER = (
    update(BOOKINGS)
    .where(
        BOOKINGS.c.member_id == bindparam("of_member"),
        BOOKINGS.c.status == states.HELD,
        BOOKINGS.c.hold_expires_at <= bindparam("lapsed_by"),
    )
    .values(status=states.EXPIRED, hold_expires_at=None)
    .returning(BOOKINGS.c.id)
)


async def lapse_holds_of(uow: UnitOfWork, member_id: int, now: datetime) -> tuple[uuid.UUID, ...]:
    """A step of a member's new hold or checkout: their own holds past expiry marked expired and
    ``HoldsLapsed`` told, so that a card payment still open for one is given up now rather than at the
    worker's next round (and in the demo, which runs no worker). Records, does not commit. Run before
    the caller loads any of the member's bookings (no ORM object is brought up to date)."""
    lapsed = await uow.session.execute(_LAPSE_OF_MEMBER, {"of_member": member_id, "lapsed_by": now})
    return _told(uow, now, tuple(lapsed.scalars()))


async def _lapse(uow: UnitOfWork, now: datetime) -> tuple[uuid.UUID, ...]:
    lapsed = await uow.session.scalars(
        update(Booking)
        .where(Booking.status == states.HELD, Booking.hold_expires_at <= now)
        .values(status=states.EXPIRED, hold_expires_at=None)
        .returning(Booking.id)
    )
    return _told(uow, now, tuple(lapsed))


def _told(uow: UnitOfWork, now: datetime, booking_ids: tuple[uuid.UUID, ...]) -> tuple[uuid.UUID, ...]:
    if booking_ids:
        uow.record(HoldsLapsed(occurred_at=now, booking_ids=booking_ids))
    return booking_ids
