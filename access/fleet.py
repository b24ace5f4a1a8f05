"""The fleet view: what each gate says of itself at the end of every sync, and what staff and managers
see of the gates of a centre (a warning when one has not synced for ``STALE_AFTER``), with the guards'
manual overrides."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access.models import Device, GateEvent
from access.services import GateIdentity
from kernel.uow import use_case

STALE_AFTER = timedelta(minutes=10)
OVERRIDES_SHOWN = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class GateReport:
    version: str
    backlog: int
    clock: datetime  # the gate's own clock when it sent the report


@dataclass(frozen=True, slots=True)
class GateView:
    device_id: uuid.UUID
    name: str
    centre_id: int
    version: str | None
    last_sync_at: datetime | None
    backlog: int | None
    clock_offset_seconds: float | None
    stale: bool  # no complete sync for STALE_AFTER (or never)


@dataclass(frozen=True, slots=True)
class Override:
    at: datetime
    gate: str
    pass_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    note: str


@use_case
async def record_report(session: AsyncSession, gate: GateIdentity, report: GateReport, now: datetime) -> int:
    """Keep the report on the device; answer the gate's clock offset in milliseconds (theirs - ours).
    Measured on one request, so it is off by the request's latency: fine for a warning in minutes."""
    device = await session.get(Device, gate.device_id)
    assert device is not None, "an authenticated gate exists"
    offset = round((report.clock - now).total_seconds() * 1000)
    device.agent_version = report.version
    device.backlog = report.backlog
    device.clock_offset_ms = offset
    device.last_sync_at = now
    await session.flush()
    return offset


def view(device: Device, now: datetime) -> GateView:
    return GateView(
        device_id=device.id,
        name=device.name,
        centre_id=device.centre_id,
        version=device.agent_version,
        last_sync_at=device.last_sync_at,
        backlog=device.backlog,
        clock_offset_seconds=None if device.clock_offset_ms is None else device.clock_offset_ms / 1000,
        stale=device.last_sync_at is None or now - device.last_sync_at > STALE_AFTER,
    )


async def gates_of(session: AsyncSession, centre_id: int, now: datetime) -> list[GateView]:
    """The centre's enrolled gates (revoked ones left out), by name."""
    devices = await session.scalars(
        select(Device)
        .where(Device.centre_id == centre_id, Device.revoked_at.is_(None))
        .order_by(Device.name, Device.created_at)
    )
    return [view(device, now) for device in devices]


async def recent_overrides(session: AsyncSession, centre_id: int, now: datetime) -> list[Override]:
    """The guards' manual overrides at the centre over the last week, newest first."""
    rows = await session.execute(
        select(GateEvent, Device.name)
        .join(Device, Device.id == GateEvent.device_id)
        .where(
            GateEvent.centre_id == centre_id,
            GateEvent.reason == "override",
            GateEvent.scanned_at > now - OVERRIDES_SHOWN,
        )
        .order_by(GateEvent.scanned_at.desc())
        .limit(50)
    )
    return [Override(e.scanned_at, name, e.pass_id, e.booking_id, e.note or "") for e, name in rows]
