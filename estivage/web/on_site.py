"""Who is on site now at a centre, for its managers: one line per booking with people inside.

The parties come from ``access.services.inside_by_party``, the same reading as the live count
(``access.domain.presence``), so the list's persons add up to it; here they get a unit and a name.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.domain.presence import Inside
from accounts.models import Member
from booking.models import Booking
from inventory.models import Unit


@dataclass(frozen=True, slots=True)
class Present:
    unit: str
    name: str
    inside: int
    entered_at: datetime


def member_name(member: Member, arabic: bool) -> str:
    if arabic and member.first_name_ar:
        return f"{member.first_name_ar} {member.last_name_ar}".strip()
    return f"{member.first_name} {member.last_name}"


async def people_on_site(
    session: AsyncSession, present: Mapping[uuid.UUID, Inside], arabic: bool, zone: ZoneInfo
) -> list[Present]:
    """The parties inside (``access.services.inside_by_party``, by booking) by unit number, each entry
    time on the centre's clock."""
    if not present:
        return []
    rows = await session.execute(
        select(Booking.id, Unit.number, Member)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(Member, Member.user_id == Booking.member_id)
        .where(Booking.id.in_(present))
    )
    lines = [
        Present(
            number,
            member_name(member, arabic),
            present[booking_id].persons,
            present[booking_id].since.astimezone(zone),
        )
        for booking_id, number, member in rows
    ]
    return sorted(lines, key=lambda line: (line.unit, line.entered_at))
