"""The gates of a centre, for staff and managers (``templates/_gates.html``): what each reported at its
last sync, a warning when it has not synced for ten minutes (``access.fleet.STALE_AFTER``), and for
managers the guards' manual overrides of the week with their reasons. Times on the centre's clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access import fleet
from access.models import Device
from accounts.models import Member
from booking.models import Booking
from estivage.web.on_site import member_name
from inventory.models import Centre, Unit


@dataclass(frozen=True, slots=True)
class GateLine:
    gate: fleet.GateView
    centre: str
    last_sync: datetime | None  # on the centre's clock


@dataclass(frozen=True, slots=True)
class OverrideLine:
    at: datetime  # on the centre's clock
    gate: str
    who: str  # the member and unit of the booking, when known
    note: str


async def gate_lines(session: AsyncSession, now: datetime, centre_id: int | None = None) -> list[GateLine]:
    """The enrolled gates (of one centre, or all), by centre and name."""
    query = (
        select(Device, Centre.code, Centre.time_zone)
        .join(Centre, Centre.id == Device.centre_id)
        .where(Device.revoked_at.is_(None))
        .order_by(Centre.code, Device.name, Device.created_at)
    )
    if centre_id is not None:
        query = query.where(Device.centre_id == centre_id)
    return [
        GateLine(
            fleet.view(device, now),
            code,
            None if device.last_sync_at is None else device.last_sync_at.astimezone(ZoneInfo(zone)),
        )
        for device, code, zone in await session.execute(query)
    ]


async def override_lines(
    session: AsyncSession, centre_id: int, now: datetime, zone: ZoneInfo, arabic: bool
) -> list[OverrideLine]:
    overrides = await fleet.recent_overrides(session, centre_id, now)
    bookings: set[uuid.UUID] = {o.booking_id for o in overrides if o.booking_id is not None}
    who = {
        booking_id: f"{member_name(member, arabic)} · {unit}"
        for booking_id, member, unit in await session.execute(
            select(Booking.id, Member, Unit.number)
            .join(Member, Member.user_id == Booking.member_id)
            .join(Unit, Unit.id == Booking.unit_id)
            .where(Booking.id.in_(bookings))
        )
    }
    return [
        OverrideLine(
            o.at.astimezone(zone), o.gate, who.get(o.booking_id, "—") if o.booking_id else "—", o.note
        )
        for o in overrides
    ]
