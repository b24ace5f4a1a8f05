"""The roster a gate syncs: its centre's stays of the coming days, for the guards' tools.

A guard whose camera cannot read a phone types the booking code printed on the pass
(``access.passformat.booking_code``); the gate finds the booking in this roster and decides on it
offline, showing the holder's name and party. Names are personal data: the roster holds only the stays
under way or starting within ``ROSTER_DAYS`` days, and the gate forgets each one after its departure.
It also tells the gate every pass a booking has had, so that a version 1 pass counts with its booking.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.models import IssuedPass
from access.passes import PASSABLE
from access.passformat import booking_code
from accounts.models import Member
from booking.models import Booking
from inventory.domain.calendar import Stay, local_today, stay_window
from inventory.models import Unit
from inventory.snapshot import centre_view

ROSTER_DAYS = 3  # today and the next two days' arrivals


@dataclass(frozen=True, slots=True)
class RosterStay:
    booking_id: uuid.UUID
    code: str
    pass_id: uuid.UUID | None  # the live pass, None when none was issued yet
    valid_from: datetime
    valid_until: datetime
    party_size: int
    holder: str
    holder_ar: str
    unit: str
    pass_ids: list[uuid.UUID] = field(default_factory=list)  # every pass the booking had


async def roster(session: AsyncSession, centre_code: str, now: datetime) -> list[RosterStay]:
    """The centre's stays under way or arriving in the next ``ROSTER_DAYS`` days, by arrival."""
    centre = await centre_view(session, centre_code)
    today = local_today(now, centre.time_zone)
    rows = (
        await session.execute(
            select(Booking, Member, Unit.number)
            .join(Member, Member.user_id == Booking.member_id)
            .join(Unit, Unit.id == Booking.unit_id)
            .where(
                Booking.centre_id == centre.id,
                Booking.status.in_(PASSABLE),
                Booking.arrival < today + timedelta(days=ROSTER_DAYS),
                Booking.departure >= today,
            )
            .order_by(Booking.arrival, Booking.id)
        )
    ).all()
    passes: dict[uuid.UUID, list[IssuedPass]] = {}
    for one in await session.scalars(
        select(IssuedPass)
        .where(IssuedPass.booking_id.in_([booking.id for booking, _m, _u in rows]))
        .order_by(IssuedPass.created_at)
    ):
        passes.setdefault(one.booking_id, []).append(one)
    stays = []
    for booking, member, unit in rows:
        start, end = stay_window(
            Stay(booking.arrival, booking.departure, booking.guests),
            centre.arrival_time,
            centre.departure_time,
            centre.time_zone,
        )
        issued = passes.get(booking.id, [])
        live = next((p.id for p in issued if p.revoked_at is None), None)
        stays.append(
            RosterStay(
                booking_id=booking.id,
                code=booking_code(booking.id),
                pass_id=live,
                valid_from=start.astimezone(UTC),
                valid_until=end.astimezone(UTC),
                party_size=booking.guests,
                holder=f"{member.first_name} {member.last_name}".strip(),
                holder_ar=f"{member.first_name_ar or ''} {member.last_name_ar or ''}".strip(),
                unit=unit,
                pass_ids=[p.id for p in issued],
            )
        )
    return stays
