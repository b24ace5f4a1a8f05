"""What a message about a stay says, read in the transaction that causes it: the member (address,
language, name), the centre (name, town, arrival and departure times), the stay, its party, its price or
deduction schedule. Read once, as plain values, so the words (``notifications.letters``) need no session;
read in bulk (``addressees``, ``stays``) when one event tells many members (a summer draw).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.passformat import booking_code
from accounts.models import Member
from booking.models import Booking, PartyMember
from inventory.models import Centre, Unit, UnitType
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.money import Money
from payments.domain.states import InstalmentStatus
from payments.models import Instalment


@dataclass(frozen=True, slots=True)
class Addressee:
    user_id: int
    address: str
    language: str
    name: str
    phone: str = ""


@dataclass(frozen=True, slots=True)
class StayFacts:
    booking_id: uuid.UUID
    code: str
    centre_code: str
    centre_name: str
    town: str
    address: str
    unit_type: str
    unit: str
    arrival: date
    departure: date
    arrival_time: time
    departure_time: time
    time_zone: str
    guests: int
    party: tuple[str, ...]
    total: Money
    instalments: tuple[tuple[date, Money], ...]


_CHUNK = 1000


def _addressee(member: Member) -> Addressee | None:
    if not member.email:
        return None
    arabic = member.preferred_language == "ar" and (member.first_name_ar or member.last_name_ar)
    name = (
        f"{member.first_name_ar} {member.last_name_ar}".strip()
        if arabic
        else f"{member.first_name} {member.last_name}".strip()
    )
    return Addressee(member.user_id, member.email, member.preferred_language, name, member.phone)


async def addressee(session: AsyncSession, user_id: int) -> Addressee | None:
    """Who a message goes to: a member's address and language; None when they have no address (an
    account without a member record has no address of its own here)."""
    member = await session.get(Member, user_id)
    return _addressee(member) if member is not None else None


async def addressees(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Addressee]:
    """``addressee`` of many members at once; those without an address are left out."""
    wanted, found = sorted(set(user_ids)), {}
    for start in range(0, len(wanted), _CHUNK):
        for member in await session.scalars(
            select(Member).where(Member.user_id.in_(wanted[start : start + _CHUNK]))
        ):
            to = _addressee(member)
            if to is not None:
                found[member.user_id] = to
    return found


@dataclass(frozen=True, slots=True)
class StayRecord:
    """A stay as read, in both languages: ``facts`` says it in one."""

    booking: Booking
    centre: Centre
    unit_type: UnitType
    unit: str
    party: tuple[str, ...]
    instalments: tuple[tuple[date, Money], ...]

    def facts(self, language: str) -> StayFacts:
        booking, centre, unit_type = self.booking, self.centre, self.unit_type
        arabic = language == "ar"
        return StayFacts(
            booking_id=booking.id,
            code=booking_code(booking.id),
            centre_code=centre.code,
            centre_name=centre.name_ar if arabic and centre.name_ar else centre.name_fr,
            town=centre.town_ar if arabic and centre.town_ar else centre.town_fr,
            address=centre.address_ar if arabic and centre.address_ar else centre.address_fr,
            unit_type=unit_type.name_ar if arabic and unit_type.name_ar else unit_type.name_fr,
            unit=self.unit,
            arrival=booking.arrival,
            departure=booking.departure,
            arrival_time=centre.arrival_time,
            departure_time=centre.departure_time,
            time_zone=centre.time_zone,
            guests=booking.guests,
            party=self.party,
            total=Money(booking.total_minor, booking.currency),
            instalments=self.instalments,
        )


async def stays(session: AsyncSession, booking_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StayRecord]:
    """The stays of these bookings, their centres, parties and deduction schedules, in a few statements."""
    wanted, found = sorted(set(booking_ids)), {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        party: dict[uuid.UUID, list[str]] = defaultdict(list)
        for booking_id, name in await session.execute(
            select(PartyMember.booking_id, PartyMember.name)
            .where(PartyMember.booking_id.in_(chunk))
            .order_by(PartyMember.booking_id, PartyMember.position)
        ):
            party[booking_id].append(name)
        schedule: dict[uuid.UUID, list[tuple[date, Money]]] = defaultdict(list)
        for booking_id, month, amount, currency in await session.execute(
            select(Instalment.booking_id, Instalment.month, Instalment.amount_minor, Instalment.currency)
            .where(Instalment.booking_id.in_(chunk), Instalment.status != InstalmentStatus.CANCELLED)
            .order_by(Instalment.booking_id, Instalment.number)
        ):
            schedule[booking_id].append((month, Money(amount, currency)))
        rows = await session.execute(
            select(Booking, Centre, UnitType, Unit.number)
            .join(Centre, Centre.id == Booking.centre_id)
            .join(UnitType, UnitType.id == Booking.unit_type_id)
            .join(Unit, Unit.id == Booking.unit_id)
            .where(Booking.id.in_(chunk))
        )
        for booking, centre, unit_type, unit in rows.tuples():
            found[booking.id] = StayRecord(
                booking, centre, unit_type, unit, tuple(party[booking.id]), tuple(schedule[booking.id])
            )
    return found


async def stay(session: AsyncSession, booking_id: uuid.UUID, language: str) -> StayFacts:
    found = (await stays(session, [booking_id])).get(booking_id)
    if found is None:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    return found.facts(language)
