"""What the access package holds about a member, for their own copy of it (law 09-08): the passes issued
for their stays, and every scan of those passes at the gates (when, which way, what the gate decided)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.models import GateEvent, IssuedPass
from booking.models import Booking
from inventory.models import Centre
from kernel.db import columns_of


async def sections(session: AsyncSession, member_id: int) -> dict[str, Any]:
    bookings = select(Booking.id).where(Booking.member_id == member_id)
    passes = list(
        await session.scalars(
            select(IssuedPass).where(IssuedPass.booking_id.in_(bookings)).order_by(IssuedPass.created_at)
        )
    )
    scans = await session.execute(
        select(GateEvent, Centre.code)
        .join(Centre, Centre.id == GateEvent.centre_id)
        .where(or_(GateEvent.booking_id.in_(bookings), GateEvent.pass_id.in_([p.id for p in passes])))
        .order_by(GateEvent.scanned_at, GateEvent.event_id)
    )
    return {
        "passes": [columns_of(p) for p in passes],
        "gate_scans": [
            {**columns_of(event, leaving_out={"device_id", "centre_id"}), "centre": centre}
            for event, centre in scans
        ],
    }
