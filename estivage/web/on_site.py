"""Who is on site now at a centre, for its managers: one line per pass with people inside.

Read from the gate scans as ``access.services.on_site_now`` counts them (granted scans of the window,
entries less exits per pass, never below zero), so the list's persons add up to the live count. A line
says since when the party is inside: the entry that last took its pass from nobody inside to someone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.models import GateEvent, IssuedPass
from access.services import ON_SITE_WINDOW
from booking.models import Booking
from estivage.accounts.models import Member
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


async def inside_by_pass(
    session: AsyncSession, centre_id: int, now: datetime
) -> dict[uuid.UUID, tuple[int, datetime]]:
    """Per pass with someone inside: how many, and since when."""
    rows = await session.execute(
        select(GateEvent.pass_id, GateEvent.direction, GateEvent.scanned_at)
        .where(
            GateEvent.centre_id == centre_id,
            GateEvent.decision == "granted",
            GateEvent.scanned_at > now - ON_SITE_WINDOW,
        )
        .order_by(GateEvent.scanned_at)
    )
    inside: Counter[uuid.UUID] = Counter()
    since: dict[uuid.UUID, datetime] = {}
    for pass_id, direction, scanned_at in rows:
        if pass_id is None:
            continue
        if direction == "in" and inside[pass_id] <= 0:
            since[pass_id] = scanned_at
        inside[pass_id] += 1 if direction == "in" else -1
    return {p: (n, since[p]) for p, n in inside.items() if n > 0 and p in since}


async def people_on_site(
    session: AsyncSession, centre_id: int, now: datetime, arabic: bool, zone: ZoneInfo
) -> list[Present]:
    """The parties inside by unit number, each entry time on the centre's clock."""
    present = await inside_by_pass(session, centre_id, now)
    if not present:
        return []
    rows = await session.execute(
        select(IssuedPass.id, Unit.number, Member)
        .join(Booking, Booking.id == IssuedPass.booking_id)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(Member, Member.user_id == Booking.member_id)
        .where(IssuedPass.id.in_(present))
    )
    lines = [
        Present(
            number, member_name(member, arabic), present[pass_id][0], present[pass_id][1].astimezone(zone)
        )
        for pass_id, number, member in rows
    ]
    return sorted(lines, key=lambda line: (line.unit, line.entered_at))
