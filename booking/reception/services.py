"""The desk's use cases on a stay: check-in (the unit may change within its type), check-out, no-show,
and a stay ended early by staff with the refund rule they choose. Only the centre's manager or staff act
here; the gate's first entry checks a stay in by itself (``check_in_at_gate``), and the worker records
the no-shows once the staff-set grace after the arrival day is over (``record_due_no_shows``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log as audit
from accounts.domain.audit import SYSTEM, Actor, AuditKind, Subject
from accounts.domain.identity import MANAGER, STAFF, Identity
from booking import repository as repo
from booking.domain import states
from booking.domain.reception import (
    EarlyRefund,
    check_check_in_day,
    check_no_show_day,
    early_refund,
    no_show_due,
)
from booking.events import StayCheckedIn, StayCheckedOut, StayEndedEarly, StayNoShow
from booking.locks import lock_for_booking
from booking.models import Booking
from booking.services import BookingView, get_booking, move_step
from inventory import housekeeping
from inventory.domain.calendar import local_today
from inventory.models import Centre, StayNight
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.errors import Forbidden
from kernel.money import Money
from kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class EndEarly:
    """What staff ask of a stay ended early: the rule, and the amount when the rule is ``amount``."""

    rule: EarlyRefund
    amount: Money | None = None


async def _at_the_desk(
    session: AsyncSession, actor: Identity, booking_id: uuid.UUID, now: datetime
) -> tuple[BookingView, date]:
    """The booking, locked, for the manager of its centre or staff (a manager of another centre gets 404,
    as for reading it), and the centre's today."""
    if actor.role not in {MANAGER, STAFF}:
        raise Forbidden(ErrorCode.DESK_ONLY, "only the centre's manager or staff act at the desk")
    await lock_for_booking(session, booking_id)
    view = await get_booking(session, actor, booking_id)
    await session.refresh(view.booking, with_for_update=True)
    centre = await centre_view(session, view.centre)
    return view, local_today(now, centre.time_zone)


def _log(
    session: AsyncSession,
    actor: Identity | Actor,
    kind: AuditKind,
    booking: Booking,
    now: datetime,
    **after: object,
) -> None:
    audit.record(
        session,
        actor,
        kind,
        Subject("booking", str(booking.id)),
        now,
        after={"status": booking.status, **after},
        member_id=booking.member_id,
    )


def _after_no_show(late: bool) -> dict[str, object]:
    """What the audit log adds to a check-in that undoes a no-show."""
    return {"was": states.NO_SHOW.value} if late else {}


async def check_in(
    uow: UnitOfWork, actor: Identity, booking_id: uuid.UUID, now: datetime, unit: str | None = None
) -> BookingView:
    """The party arrived: from the arrival day, a confirmed stay begins; ``unit`` moves it at the desk to
    another free unit of its type (never onto a taken night, never out of service). A party recorded a
    no-show that arrives after all, on a day of its stay, is checked in too (its nights were kept) and
    gets a new pass (``StayCheckedIn.after_no_show``)."""
    async with uow:
        session = uow.session
        view, today = await _at_the_desk(session, actor, booking_id, now)
        booking = view.booking
        late = booking.status == states.NO_SHOW
        next_status = states.transition(booking.status, "check_in")
        check_check_in_day(booking.arrival, booking.departure, today)
        was = view.unit
        if unit is not None and unit != view.unit:
            await move_step(session, booking.id, unit, now)
        booking.status, booking.checked_in_at, booking.no_show_at = next_status, now, None
        await session.flush()
        moved = {"unit": unit} if unit is not None and unit != was else {}
        _log(session, actor, AuditKind.BOOKING_CHECKED_IN, booking, now, **moved, **_after_no_show(late))
        uow.record(
            StayCheckedIn(
                occurred_at=now,
                booking_id=booking.id,
                member_id=booking.member_id,
                by=actor.role,
                after_no_show=late,
            )
        )
        checked_in = await get_booking(session, actor, booking_id)  # read before the commit: the new unit
        await uow.commit()
        return checked_in


async def check_out(uow: UnitOfWork, actor: Identity, booking_id: uuid.UUID, now: datetime) -> BookingView:
    """The party left: the stay is over and its unit is to clean."""
    async with uow:
        session = uow.session
        view, _today = await _at_the_desk(session, actor, booking_id, now)
        booking = view.booking
        booking.status = states.transition(booking.status, "check_out")
        booking.checked_out_at = now
        await housekeeping.leave_to_clean(session, booking.unit_id, now)
        await session.flush()
        _log(session, actor, AuditKind.BOOKING_CHECKED_OUT, booking, now)
        uow.record(StayCheckedOut(occurred_at=now, booking_id=booking.id, member_id=booking.member_id))
        await uow.commit()
        return view


async def no_show(uow: UnitOfWork, actor: Identity, booking_id: uuid.UUID, now: datetime) -> BookingView:
    """Nobody came: the desk says so from the arrival day on. The stay stays paid (its nights, its
    quota); what is given back is staff's call through a cancellation's policy, not the desk's."""
    async with uow:
        session = uow.session
        view, today = await _at_the_desk(session, actor, booking_id, now)
        booking = view.booking
        next_status = states.transition(booking.status, "no_show")
        check_no_show_day(booking.arrival, today)
        booking.status, booking.no_show_at = next_status, now
        await session.flush()
        _log(session, actor, AuditKind.BOOKING_NO_SHOW, booking, now)
        uow.record(
            StayNoShow(occurred_at=now, booking_id=booking.id, member_id=booking.member_id, by=actor.role)
        )
        await uow.commit()
        return view


async def end_early(
    uow: UnitOfWork, actor: Identity, booking_id: uuid.UUID, request: EndEarly, now: datetime
) -> tuple[BookingView, Money]:
    """Staff end a stay going on before its departure day: checked out today, the nights from today on
    free again, and the refund their rule gives (payments moves it on ``StayEndedEarly``), logged."""
    async with uow:
        session = uow.session
        if actor.role != STAFF:
            raise Forbidden(ErrorCode.STAFF_ONLY, "only staff end a stay early")
        view, today = await _at_the_desk(session, actor, booking_id, now)
        booking = view.booking
        next_status = states.transition(booking.status, "end_early")
        paid = Money(booking.total_minor, booking.currency)
        refund = early_refund(
            request.rule, paid, booking.nightly_minor, booking.arrival, today, request.amount
        )
        booking.status, booking.checked_out_at = next_status, now
        booking.refund_minor = refund.amount_minor
        await session.execute(
            delete(StayNight).where(StayNight.booking_id == booking.id, StayNight.night >= today)
        )
        await housekeeping.leave_to_clean(session, booking.unit_id, now)
        await session.flush()
        _log(
            session,
            actor,
            AuditKind.STAY_ENDED_EARLY,
            booking,
            now,
            rule=request.rule.value,
            refund=refund,
            ended_on=today.isoformat(),
        )
        uow.record(
            StayEndedEarly(
                occurred_at=now,
                booking_id=booking.id,
                member_id=booking.member_id,
                refund=refund,
                rule=request.rule.value,
                freed_from=today,
            )
        )
        await uow.commit()
        return view, refund


async def check_in_at_gate(
    uow: UnitOfWork, entries: Iterable[tuple[uuid.UUID, datetime]], time_zone: str
) -> list[uuid.UUID]:
    """A step of storing a centre's gate scans (no commit): each confirmed stay whose first granted entry
    falls on one of its days (in the centre's ``time_zone``) is checked in at that instant. ``entries``
    are (booking id, scanned at).

    A stay the worker or the desk recorded a no-show is checked in as well when a gate granted its pass
    on a day of the stay: a gate that was offline sends its scans late, and the party it let in is on
    site (its nights were kept); the no-show is undone in the audit log and a new pass is due, the old
    one having been revoked with the no-show."""
    first: dict[uuid.UUID, datetime] = {}
    for booking_id, at in entries:
        if booking_id not in first or at < first[booking_id]:
            first[booking_id] = at
    if not first:
        return []
    session = uow.session
    bookings = await session.scalars(
        select(Booking)
        .where(Booking.id.in_(first), Booking.status.in_((states.CONFIRMED, states.NO_SHOW)))
        .with_for_update()
    )
    checked: list[uuid.UUID] = []
    for booking in bookings:
        at = first[booking.id]
        day = local_today(at, time_zone)
        if not booking.arrival <= day < booking.departure:
            continue
        late = booking.status == states.NO_SHOW
        booking.status, booking.checked_in_at, booking.no_show_at = states.CHECKED_IN, at, None
        if late:
            undone = {"by": "gate", "was": states.NO_SHOW.value}
            _log(session, SYSTEM, AuditKind.BOOKING_CHECKED_IN, booking, at, **undone)
        uow.record(
            StayCheckedIn(
                occurred_at=at,
                booking_id=booking.id,
                member_id=booking.member_id,
                by="gate",
                after_no_show=late,
            )
        )
        checked.append(booking.id)
    await session.flush()
    return checked


async def record_due_no_shows(uow: UnitOfWork, now: datetime) -> int:
    """The worker's job: confirmed stays nobody checked in once the arrival day and the policy's grace
    days are over become no-shows (``SYSTEM`` in the audit log)."""
    async with uow:
        session = uow.session
        grace = (await repo.policy(session)).no_show_grace_days
        rows = await session.execute(
            select(Booking, Centre.time_zone)
            .join(Centre, Centre.id == Booking.centre_id)
            .where(Booking.status == states.CONFIRMED, Booking.arrival <= now.date())
            .with_for_update(of=Booking)
        )
        count = 0
        for booking, time_zone in rows.tuples():
            if not no_show_due(booking.arrival, local_today(now, time_zone), grace):
                continue
            booking.status, booking.no_show_at = states.NO_SHOW, now
            audit.record(
                session,
                SYSTEM,
                AuditKind.BOOKING_NO_SHOW,
                Subject("booking", str(booking.id)),
                now,
                after={"status": booking.status, "grace_days": grace},
                member_id=booking.member_id,
            )
            uow.record(
                StayNoShow(occurred_at=now, booking_id=booking.id, member_id=booking.member_id, by="worker")
            )
            count += 1
        await session.flush()
        await uow.commit()
        return count
