"""Use cases of a booking's party: the member names the people staying with them, at the hold or later,
before the stay begins; staff may do it for them. The rule is ``booking.domain.party``'s."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import MANAGER, STAFF, Identity
from booking.commands import CompanionIn
from booking.domain import party as rules
from booking.domain import states
from booking.events import PartyNamed
from booking.locks import lock_for_booking
from booking.models import PartyMember
from booking.services import BookingView, get_booking, party_rows
from inventory.domain.calendar import local_today
from inventory.models import StayNight
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.uow import UnitOfWork


def companions(given: Sequence[CompanionIn]) -> tuple[rules.Companion, ...]:
    return tuple(
        rules.Companion(c.name, rules.Relation(c.relation), rules.AgeBand(c.age_band)) for c in given
    )


async def party_of(session: AsyncSession, booking_id: uuid.UUID) -> list[PartyMember]:
    return (await parties_of(session, [booking_id])).get(booking_id, [])


async def parties_of(
    session: AsyncSession, booking_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[PartyMember]]:
    """The named parties of several bookings (an arrivals list), each in the order it was named."""
    ids = list(booking_ids)
    found: dict[uuid.UUID, list[PartyMember]] = defaultdict(list)
    if not ids:
        return found
    rows = await session.scalars(
        select(PartyMember)
        .where(PartyMember.booking_id.in_(ids))
        .order_by(PartyMember.booking_id, PartyMember.position)
    )
    for row in rows:
        found[row.booking_id].append(row)
    return found


def as_companion(row: PartyMember) -> rules.Companion:
    return rules.Companion(row.name, rules.Relation(row.relation), rules.AgeBand(row.age_band))


async def booking_with_party(session: AsyncSession, identity: Identity, booking_id: uuid.UUID) -> BookingView:
    """A booking the caller may see (``get_booking``), with its named party."""
    view = await get_booking(session, identity, booking_id)
    named = tuple(as_companion(row) for row in await party_of(session, booking_id))
    return replace(view, party=named)


async def name_party(
    uow: UnitOfWork,
    identity: Identity,
    booking_id: uuid.UUID,
    named: Sequence[rules.Companion],
    now: datetime,
) -> BookingView:
    """The party named again, whole: the guests become its count (on the booking and its nights), and
    ``PartyNamed`` lets access issue the pass again when the count moved."""
    async with uow:
        session = uow.session
        await lock_for_booking(session, booking_id)
        view = await get_booking(session, identity, booking_id)
        booking = view.booking
        if identity.role == MANAGER:  # the member's own, or staff for them; a manager reads it only
            raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
        centre = await centre_view(session, view.centre)
        status = states.effective_status(booking.status, booking.hold_expires_at, now)
        rules.check_may_name(status, booking.arrival, local_today(now, centre.time_zone))
        party = rules.cleaned(named, centre.unit_type(view.unit_type).capacity)
        before = [row.name for row in await party_of(session, booking_id)]
        guests_before, guests = booking.guests, rules.party_size(party)
        await session.execute(delete(PartyMember).where(PartyMember.booking_id == booking_id))
        session.add_all(party_rows(booking_id, party))
        booking.guests = guests
        await session.execute(
            update(StayNight).where(StayNight.booking_id == booking_id).values(guests=guests)
        )
        await session.flush()
        uow.record(
            PartyNamed(
                occurred_at=now,
                booking_id=booking_id,
                member_id=booking.member_id,
                guests_before=guests_before,
                guests=guests,
            )
        )
        if identity.role == STAFF:
            audit.record(
                session,
                identity,
                AuditKind.PARTY_NAMED_BY_STAFF,
                Subject("booking", str(booking_id)),
                now,
                before={"guests": guests_before, "party": before},
                after={"guests": guests, "party": [c.name for c in party]},
                member_id=booking.member_id,
            )
        await uow.commit()
        return replace(view, party=party)
