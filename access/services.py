"""Gate devices, their scans and the revocation feed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from access.domain.presence import Inside, parties_inside
from access.events import GateScansStored
from access.models import Device, FeedLock, GateEvent, Revocation
from inventory.models import Centre
from inventory.repository import centre_by_code
from kernel.errors import NotFound, RuleViolation
from kernel.uow import UnitOfWork

TOKEN_PREFIX = "dev_"  # noqa: S105 - the visible part of device tokens, not a secret
# Who is on site is read from the scans of this window: a stay lasts at most a few weeks, and a pass
# whose holder left without scanning out must not count for ever.
ON_SITE_WINDOW = timedelta(days=21)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_device(uow: UnitOfWork, centre_code: str, name: str, now: datetime) -> tuple[Device, str]:
    """A device for one centre and its token, returned this once (only its digest is stored)."""
    async with uow:
        device, token = await _new_device(uow.session, centre_code, name, now)
        await uow.commit()
        return device, token


async def _new_device(
    session: AsyncSession, centre_code: str, name: str, now: datetime
) -> tuple[Device, str]:
    centre = await centre_by_code(session, centre_code)
    device_id = uuid.uuid4()
    token = f"{TOKEN_PREFIX}{device_id.hex}.{secrets.token_urlsafe(32)}"
    device = Device(id=device_id, centre_id=centre.id, name=name, token_sha256=_digest(token), created_at=now)
    session.add(device)
    await session.flush()
    return device, token


async def revoke_device(uow: UnitOfWork, device_id: uuid.UUID, now: datetime) -> Device:
    async with uow:
        device = await uow.session.get(Device, device_id)
        if device is None:
            raise NotFound("device_not_found", f"no device {device_id}")
        device.revoked_at = device.revoked_at or now
        await uow.commit()
        return device


@dataclass(frozen=True, slots=True)
class GateIdentity:
    device_id: uuid.UUID
    centre_id: int
    centre_code: str


async def authenticate_device(uow: UnitOfWork, token: str | None, now: datetime) -> GateIdentity | None:
    """The enrolled, unrevoked device a bearer token belongs to, or None; the device is seen now."""
    async with uow:
        gate = await device_from_token(uow.session, token, now)
        if gate is not None:
            await uow.commit()
        return gate


async def device_from_token(session: AsyncSession, token: str | None, now: datetime) -> GateIdentity | None:
    """The enrolled, unrevoked device a bearer token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or "." not in token:
        return None
    try:
        device_id = uuid.UUID(hex=token[len(TOKEN_PREFIX) :].split(".", 1)[0])
    except ValueError:
        return None
    row = (
        await session.execute(
            select(Device, Centre.code)
            .join(Centre, Centre.id == Device.centre_id)
            .where(Device.id == device_id)
        )
    ).one_or_none()
    if row is None or row[0].revoked_at is not None:
        return None
    device, centre_code = row
    if not hmac.compare_digest(device.token_sha256, _digest(token)):
        return None
    device.last_seen_at = now
    return GateIdentity(device.id, device.centre_id, centre_code)


@dataclass(frozen=True, slots=True)
class ScanIn:
    event_id: uuid.UUID
    pass_id: uuid.UUID | None
    direction: str
    decision: str
    reason: str
    scanned_at: datetime


async def store_scans(
    uow: UnitOfWork, gate: GateIdentity, events: Sequence[ScanIn], now: datetime
) -> tuple[int, int]:
    """Store each event once by its id; an id already stored (a retry, a replay) is a duplicate."""
    async with uow:
        stored = await _store_new_scans(uow.session, gate, events, now)
        counts = Counter((e.decision, e.direction) for e in stored)
        uow.record(
            GateScansStored(
                occurred_at=now,
                centre_id=gate.centre_id,
                counts=tuple((decision, direction, n) for (decision, direction), n in sorted(counts.items())),
            )
        )
        await uow.commit()
        return len(stored), len(events) - len(stored)


async def _store_new_scans(
    session: AsyncSession, gate: GateIdentity, events: Sequence[ScanIn], now: datetime
) -> list[ScanIn]:
    for index, e in enumerate(events):
        if e.decision == "granted" and e.pass_id is None:
            raise RuleViolation(
                "pass_id_required", "a granted scan names the pass it let through", f"events[{index}].pass_id"
            )
    ids = {e.event_id for e in events}
    known = set(await session.scalars(select(GateEvent.event_id).where(GateEvent.event_id.in_(ids))))
    stored: list[ScanIn] = []
    seen: set[uuid.UUID] = set()
    for e in events:
        if e.event_id in known or e.event_id in seen:
            continue
        seen.add(e.event_id)
        stored.append(e)
        session.add(
            GateEvent(
                event_id=e.event_id,
                device_id=gate.device_id,
                centre_id=gate.centre_id,
                pass_id=e.pass_id,
                direction=e.direction,
                decision=e.decision,
                reason=e.reason,
                scanned_at=e.scanned_at,
                received_at=now,
            )
        )
    await session.flush()
    return stored


async def inside_by_pass(session: AsyncSession, centre_id: int, now: datetime) -> dict[uuid.UUID, Inside]:
    """The parties inside now (``access.domain.presence``), from the granted scans of the window."""
    rows = await session.execute(
        select(GateEvent.pass_id, GateEvent.direction, GateEvent.scanned_at)
        .where(
            GateEvent.centre_id == centre_id,
            GateEvent.decision == "granted",
            # A gate whose clock runs a little ahead still counts: no upper bound.
            GateEvent.scanned_at > now - ON_SITE_WINDOW,
        )
        .order_by(GateEvent.scanned_at)
    )
    return parties_inside(rows.tuples())


async def on_site_now(session: AsyncSession, centre_id: int, now: datetime) -> int:
    """People inside: per pass, granted entries less granted exits over the window, never below zero."""
    return sum(party.persons for party in (await inside_by_pass(session, centre_id, now)).values())


async def revoke_pass(uow: UnitOfWork, pass_id: uuid.UUID, reason: str, now: datetime) -> None:
    """Staff revoke a pass: it joins the feed every gate pulls."""
    async with uow:
        await add_to_feed(uow.session, pass_id, reason, now)
        await uow.commit()


async def add_to_feed(session: AsyncSession, pass_id: uuid.UUID, reason: str, now: datetime) -> None:
    """Add a pass to the feed once; the feed lock keeps `seq` in commit order."""
    await session.execute(
        update(FeedLock).where(FeedLock.name == "revocations").values(version=FeedLock.version + 1)
    )
    if await session.scalar(select(Revocation.seq).where(Revocation.pass_id == pass_id)) is None:
        session.add(Revocation(pass_id=pass_id, reason=reason, revoked_at=now))
        await session.flush()


async def revocations_since(
    session: AsyncSession, cursor: int, limit: int = 5000
) -> tuple[list[uuid.UUID], int]:
    rows = (
        await session.execute(
            select(Revocation.seq, Revocation.pass_id)
            .where(Revocation.seq > cursor)
            .order_by(Revocation.seq)
            .limit(limit)
        )
    ).all()
    return [pass_id for _seq, pass_id in rows], (rows[-1][0] if rows else cursor)
