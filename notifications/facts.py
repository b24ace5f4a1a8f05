"""What a message about a stay says, read in the transaction that causes it: the member (address,
language, name), the centre (name, town, arrival and departure times), the stay, its party, its price or
deduction schedule. Read once, as plain values, so the words (``notifications.letters``) need no session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.passformat import booking_code
from accounts.models import Member, User
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


async def addressee(session: AsyncSession, user_id: int) -> Addressee | None:
    """Who a message goes to: a member's address and language; None when they have no address."""
    member = await session.get(Member, user_id)
    if member is not None:
        if not member.email:
            return None
        arabic = member.preferred_language == "ar" and (member.first_name_ar or member.last_name_ar)
        name = (
            f"{member.first_name_ar} {member.last_name_ar}".strip()
            if arabic
            else f"{member.first_name} {member.last_name}".strip()
        )
        return Addressee(user_id, member.email, member.preferred_language, name, member.phone)
    user = await session.get(User, user_id)
    if user is None:
        return None
    return None  # an account without a member record has no address of its own here


async def stay(session: AsyncSession, booking_id: uuid.UUID, language: str) -> StayFacts:
    row = (
        await session.execute(
            select(Booking, Centre, UnitType, Unit.number)
            .join(Centre, Centre.id == Booking.centre_id)
            .join(UnitType, UnitType.id == Booking.unit_type_id)
            .join(Unit, Unit.id == Booking.unit_id)
            .where(Booking.id == booking_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    booking, centre, unit_type, unit = row
    arabic = language == "ar"
    party = tuple(
        await session.scalars(
            select(PartyMember.name)
            .where(PartyMember.booking_id == booking_id)
            .order_by(PartyMember.position)
        )
    )
    instalments = (
        await session.execute(
            select(Instalment.month, Instalment.amount_minor, Instalment.currency)
            .where(Instalment.booking_id == booking_id, Instalment.status != InstalmentStatus.CANCELLED)
            .order_by(Instalment.number)
        )
    ).tuples()
    return StayFacts(
        booking_id=booking.id,
        code=booking_code(booking.id),
        centre_code=centre.code,
        centre_name=centre.name_ar if arabic and centre.name_ar else centre.name_fr,
        town=centre.town_ar if arabic and centre.town_ar else centre.town_fr,
        unit_type=unit_type.name_ar if arabic and unit_type.name_ar else unit_type.name_fr,
        unit=unit,
        arrival=booking.arrival,
        departure=booking.departure,
        arrival_time=centre.arrival_time,
        departure_time=centre.departure_time,
        time_zone=centre.time_zone,
        guests=booking.guests,
        party=party,
        total=Money(booking.total_minor, booking.currency),
        instalments=tuple((month, Money(amount, currency)) for month, amount, currency in instalments),
    )
