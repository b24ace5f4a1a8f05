"""Reminders the worker writes for members: a payment deadline coming, a stay about to begin.

Each reminder is written once per booking and kind (a unique constraint: two workers, or a round run
twice, write it once). Members read theirs at `GET /api/reminders`; a mail or SMS sender would read the
same rows. Only long holds get a payment reminder — a summer offer open for days, not a 15-minute hold
the member is paying right now.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from booking.domain import states
from booking.models import Booking
from inventory.domain.calendar import Stay, stay_window
from inventory.models import Centre
from kernel.db import Base
from kernel.uow import UnitOfWork

PAYMENT_NOTICE = timedelta(hours=24)  # the payment reminder comes this long before the deadline
ARRIVAL_NOTICE_DAYS = 3  # the arrival reminder comes this many days before the arrival day
KINDS = ("payment_due", "arrival_soon")


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("booking_id", "kind"),)  # one reminder per booking and kind

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The payment deadline (payment_due) or the stay's first instant at the centre (arrival_soon).
    due_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


@dataclass(frozen=True, slots=True)
class ReminderView:
    booking_id: uuid.UUID
    kind: str
    due_at: datetime
    created_at: datetime
    centre: str
    arrival: date
    departure: date


async def _write(session: AsyncSession, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Reminder).values(rows).on_conflict_do_nothing(index_elements=["booking_id", "kind"])
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def write_reminders(uow: UnitOfWork, now: datetime) -> int:
    """The worker's job: reminders due now that were not written yet. Returns how many were written."""
    async with uow:
        written = await _due_reminders(uow.session, now)
        await uow.commit()
        return written


async def _due_reminders(session: AsyncSession, now: datetime) -> int:
    payment_due = await session.execute(
        select(Booking.id, Booking.member_id, Booking.hold_expires_at, Booking.created_at).where(
            Booking.status == states.HELD,
            Booking.hold_expires_at > now,
            Booking.hold_expires_at <= now + PAYMENT_NOTICE,
        )
    )
    rows: list[dict[str, object]] = [
        {"booking_id": b, "member_id": m, "kind": "payment_due", "due_at": due, "created_at": now}
        for b, m, due, made in payment_due.tuples()
        # A long hold only (compared here: date arithmetic in SQL differs between the two databases).
        if due is not None and due - made > PAYMENT_NOTICE
    ]
    arriving = await session.execute(
        select(
            Booking.id,
            Booking.member_id,
            Booking.arrival,
            Booking.departure,
            Booking.guests,
            Centre.arrival_time,
            Centre.departure_time,
            Centre.time_zone,
        )
        .join(Centre, Centre.id == Booking.centre_id)
        .where(
            Booking.status == states.CONFIRMED,
            Booking.arrival >= now.date(),
            Booking.arrival <= now.date() + timedelta(days=ARRIVAL_NOTICE_DAYS),
        )
    )
    rows += [
        {
            "booking_id": b,
            "member_id": m,
            "kind": "arrival_soon",
            "due_at": stay_window(Stay(arrival, departure, guests), opens, closes, zone)[0],
            "created_at": now,
        }
        for b, m, arrival, departure, guests, opens, closes, zone in arriving.tuples()
    ]
    return await _write(session, rows)


async def reminders_of(session: AsyncSession, member_id: int) -> list[ReminderView]:
    """A member's reminders, newest first."""
    rows = await session.execute(
        select(Reminder, Centre.code, Booking.arrival, Booking.departure)
        .join(Booking, Booking.id == Reminder.booking_id)
        .join(Centre, Centre.id == Booking.centre_id)
        .where(Reminder.member_id == member_id)
        .order_by(Reminder.created_at.desc(), Reminder.id.desc())
    )
    return [
        ReminderView(r.booking_id, r.kind, r.due_at, r.created_at, centre, arrival, departure)
        for r, centre, arrival, departure in rows.tuples()
    ]
