"""Gate devices, their scans and the revocation feed."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from access import peer_keys
from access.domain.presence import Inside, parties_inside
from access.events import GateScansStored
from access.models import Device, FeedLock, GateEvent, IssuedPass, PeerKey, Revocation, ScanFeedEntry
from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import Identity
from booking.models import Booking
from booking.reception.services import check_in_at_gate
from inventory.models import Centre
from inventory.repository import centre_by_code
from kernel.codes import ErrorCode
from kernel.errors import NotFound, RuleViolation
from kernel.uow import UnitOfWork

logger = logging.getLogger("estivage.access")

TOKEN_PREFIX = "dev_"  # noqa: S105 - the visible part of device tokens, not a secret
# Who is on site is read from the scans of this window: a stay lasts at most a few weeks, and a pass
# whose holder left without scanning out must not count for ever.
ON_SITE_WINDOW = timedelta(days=21)
# A scan may be uploaded long after it was decided (a gate offline for weeks), but not dated before
# this, nor ahead of the server's clock by more than MAX_SCAN_AHEAD (a gate's clock that far off is
# broken; the fleet view shows every gate's offset).
MAX_SCAN_AGE = timedelta(days=120)
MAX_SCAN_AHEAD = timedelta(hours=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_device(
    uow: UnitOfWork, actor: Identity, centre_code: str, name: str, now: datetime
) -> tuple[Device, str]:
    """A device for one centre and its token, returned this once (only its digest is stored)."""
    async with uow:
        device, token = await _new_device(uow.session, centre_code, name, now)
        audit.record(
            uow.session,
            actor,
            AuditKind.DEVICE_ENROLLED,
            Subject("device", str(device.id)),
            now,
            after={"centre": centre_code, "name": name},
        )
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


async def revoke_device(uow: UnitOfWork, actor: Identity, device_id: uuid.UUID, now: datetime) -> Device:
    """End a device's token; its centre's gates get a new peer key, so its copy soon opens nothing."""
    async with uow:
        device = await uow.session.get(Device, device_id)
        if device is None:
            raise NotFound(ErrorCode.DEVICE_NOT_FOUND, f"no device {device_id}")
        if device.revoked_at is None:
            device.revoked_at = now
            await peer_keys.rotate(uow.session, device.centre_id, now)
            audit.record(
                uow.session,
                actor,
                AuditKind.DEVICE_REVOKED,
                Subject("device", str(device.id)),
                now,
                before={"revoked_at": None},
                after={"revoked_at": now},
            )
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
class GateSelf:
    """What a gate learns about itself: where it stands, its clock's zone, its centre's peer keys."""

    device_id: uuid.UUID
    centre: str
    name: str
    time_zone: str
    peer_keys: list[PeerKey]


async def whoami(uow: UnitOfWork, gate: GateIdentity, now: datetime) -> GateSelf:
    """The calling gate's own enrolment; its centre's peer key is made on first need."""
    async with uow:
        device, centre = (
            await uow.session.execute(
                select(Device, Centre)
                .join(Centre, Centre.id == Device.centre_id)
                .where(Device.id == gate.device_id)
            )
        ).one()
        keys = await peer_keys.published(uow.session, centre.id, now)
        await uow.commit()
        return GateSelf(device.id, centre.code, device.name, centre.time_zone, keys)


@dataclass(frozen=True, slots=True)
class ScanIn:
    event_id: uuid.UUID
    pass_id: uuid.UUID | None
    direction: str
    decision: str
    reason: str
    scanned_at: datetime
    booking_id: uuid.UUID | None = None  # a booking a guard found by its code (or the pass's)
    ordered_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An event the server will not store, and why (a stable code)."""

    event_id: uuid.UUID
    code: str


@dataclass(frozen=True, slots=True)
class Stored:
    accepted: int
    duplicates: int
    refused: list[Refusal]
    events: list[ScanIn]  # the ones stored
    # (booking, scanned at) of the granted entries stored: a stay's first one checks it in.
    entries: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)


def _check_instants(events: Sequence[ScanIn]) -> None:
    """An instant without its offset is not an instant: the whole batch is bad input (422), naming it."""
    for index, e in enumerate(events):
        for name in ("scanned_at", "ordered_at"):
            value = getattr(e, name)
            if value is not None and value.utcoffset() is None:
                raise RuleViolation(
                    ErrorCode.INSTANT_WITHOUT_OFFSET,
                    f"{name} needs its offset, e.g. 2026-12-21T10:00:00+01:00",
                    f"events[{index}].{name}",
                )
        if e.decision == "granted" and e.pass_id is None and e.booking_id is None:
            raise RuleViolation(
                ErrorCode.PASS_ID_REQUIRED,
                "a granted scan names the pass (or the booking) it let through",
                f"events[{index}].pass_id",
            )


async def _bookings_at(
    session: AsyncSession, events: Sequence[ScanIn]
) -> tuple[dict[uuid.UUID, tuple[uuid.UUID, int]], dict[uuid.UUID, int]]:
    """For the passes and bookings the events name: pass -> (booking, centre), booking -> centre."""
    pass_ids = {e.pass_id for e in events if e.pass_id is not None}
    booking_ids = {e.booking_id for e in events if e.booking_id is not None}
    passes = {
        pass_id: (booking_id, centre_id)
        for pass_id, booking_id, centre_id in await session.execute(
            select(IssuedPass.id, Booking.id, Booking.centre_id)
            .join(Booking, Booking.id == IssuedPass.booking_id)
            .where(IssuedPass.id.in_(pass_ids))
        )
    }
    # .tuples().all(): a Result has keys() (its columns), so dict() would read it as a mapping.
    bookings = dict(
        (await session.execute(select(Booking.id, Booking.centre_id).where(Booking.id.in_(booking_ids))))
        .tuples()
        .all()
    )
    return passes, bookings


def _refusal(
    e: ScanIn,
    gate: GateIdentity,
    passes: dict[uuid.UUID, tuple[uuid.UUID, int]],
    bookings: dict[uuid.UUID, int],
    now: datetime,
) -> str | None:
    """Why a gate may not store this event, or None. A device speaks for its own centre only, and of
    times a working clock could give: a stolen or broken gate must not fill another centre's list, nor
    keep a count inflated for good with a scan dated in the year 9999."""
    for instant in (e.scanned_at, e.ordered_at):
        if instant is not None and not now - MAX_SCAN_AGE <= instant <= now + MAX_SCAN_AHEAD:
            return "implausible_time"
    if e.pass_id is not None:
        if e.pass_id not in passes:
            return "unknown_pass"
        booking, centre = passes[e.pass_id]
        if centre != gate.centre_id:
            return "wrong_centre"
        if e.booking_id is not None and e.booking_id != booking:
            return "wrong_booking"
    elif e.booking_id is not None:
        if e.booking_id not in bookings:
            return "unknown_booking"
        if bookings[e.booking_id] != gate.centre_id:
            return "wrong_centre"
    return None


async def store_scans(uow: UnitOfWork, gate: GateIdentity, events: Sequence[ScanIn], now: datetime) -> Stored:
    """Store each event once by its id; an id already stored (a retry, a replay) is a duplicate. An
    event the gate may not send (``_refusal``) is refused on its own, reported and logged."""
    _check_instants(events)
    async with uow:
        stored = await _store_new_scans(uow.session, gate, events, now)
        if stored.entries:
            time_zone = await uow.session.scalar(select(Centre.time_zone).where(Centre.id == gate.centre_id))
            await check_in_at_gate(uow, stored.entries, time_zone or "Africa/Casablanca")
        counts = Counter((e.decision, e.direction) for e in stored.events)
        uow.record(
            GateScansStored(
                occurred_at=now,
                centre_id=gate.centre_id,
                counts=tuple((decision, direction, n) for (decision, direction), n in sorted(counts.items())),
            )
        )
        await uow.commit()
        return stored


async def _store_new_scans(
    session: AsyncSession, gate: GateIdentity, events: Sequence[ScanIn], now: datetime
) -> Stored:
    await session.execute(
        update(FeedLock).where(FeedLock.name == "scans").values(version=FeedLock.version + 1)
    )
    ids = {e.event_id for e in events}
    known = set(await session.scalars(select(GateEvent.event_id).where(GateEvent.event_id.in_(ids))))
    passes, bookings = await _bookings_at(session, events)
    stored: list[ScanIn] = []
    entries: list[tuple[uuid.UUID, datetime]] = []
    refused: list[Refusal] = []
    for e in events:
        if e.event_id in known:
            continue
        known.add(e.event_id)
        code = _refusal(e, gate, passes, bookings, now)
        if code is not None:
            logger.warning(
                "gate %s: scan %s refused (%s): pass %s, booking %s, scanned at %s",
                gate.device_id,
                e.event_id,
                code,
                e.pass_id,
                e.booking_id,
                e.scanned_at.isoformat(),
            )
            refused.append(Refusal(e.event_id, code))
            continue
        booking = passes[e.pass_id][0] if e.pass_id is not None else e.booking_id
        # One flush for the batch: the unit of work inserts gate_events before scan_feed (its foreign key).
        session.add(_event_row(e, gate, booking, now))
        session.add(ScanFeedEntry(centre_id=gate.centre_id, event_id=e.event_id))
        stored.append(e)
        if booking is not None and e.decision == "granted" and e.direction == "in":
            entries.append((booking, e.scanned_at))
    await session.flush()
    return Stored(len(stored), len(events) - len(stored) - len(refused), refused, stored, entries)


def _event_row(e: ScanIn, gate: GateIdentity, booking: uuid.UUID | None, now: datetime) -> GateEvent:
    return GateEvent(
        event_id=e.event_id,
        device_id=gate.device_id,
        centre_id=gate.centre_id,
        pass_id=e.pass_id,
        booking_id=booking,
        direction=e.direction,
        decision=e.decision,
        reason=e.reason,
        scanned_at=e.scanned_at,
        ordered_at=e.ordered_at,
        note=e.note,
        received_at=now,
    )


async def scans_since(
    session: AsyncSession, gate: GateIdentity, cursor: int, now: datetime, limit: int = 1000
) -> tuple[list[GateEvent], int]:
    """The centre's events stored after ``cursor`` (the feed's order), but the asking gate's own; and
    the cursor after them. Only those scanned within ``ON_SITE_WINDOW``: older ones count for nobody,
    and a gate enrolled in August need not download July."""
    rows = (
        await session.execute(
            select(ScanFeedEntry.seq, GateEvent)
            .join(GateEvent, GateEvent.event_id == ScanFeedEntry.event_id)
            .where(
                ScanFeedEntry.centre_id == gate.centre_id,
                ScanFeedEntry.seq > cursor,
                GateEvent.scanned_at > now - ON_SITE_WINDOW,
            )
            .order_by(ScanFeedEntry.seq)
            .limit(limit)
        )
    ).all()
    if not rows:
        return [], cursor
    return [e for _seq, e in rows if e.device_id != gate.device_id], rows[-1][0]


async def inside_by_party(session: AsyncSession, centre_id: int, now: datetime) -> dict[uuid.UUID, Inside]:
    """The parties inside now (``access.domain.presence``), by booking (by pass for the events of a
    pass that no booking is known for), from the granted scans of the window."""
    order = func.coalesce(GateEvent.ordered_at, GateEvent.scanned_at)
    rows = await session.execute(
        select(func.coalesce(GateEvent.booking_id, GateEvent.pass_id), GateEvent.direction, order)
        .where(
            GateEvent.centre_id == centre_id,
            GateEvent.decision == "granted",
            # A gate whose clock runs a little ahead still counts: no upper bound.
            GateEvent.scanned_at > now - ON_SITE_WINDOW,
        )
        .order_by(order, GateEvent.event_id)
    )
    return parties_inside(rows.tuples())


async def on_site_now(session: AsyncSession, centre_id: int, now: datetime) -> int:
    """People inside: per booking, granted entries less granted exits over the window, never below zero."""
    return sum(party.persons for party in (await inside_by_party(session, centre_id, now)).values())


async def revoke_pass(
    uow: UnitOfWork, actor: Identity, pass_id: uuid.UUID, reason: str, now: datetime
) -> None:
    """Staff revoke a pass: it joins the feed every gate pulls."""
    async with uow:
        session = uow.session
        already = await session.scalar(select(Revocation.seq).where(Revocation.pass_id == pass_id))
        await add_to_feed(session, pass_id, reason, now)
        if already is None:
            member_id = await session.scalar(
                select(Booking.member_id)
                .join(IssuedPass, IssuedPass.booking_id == Booking.id)
                .where(IssuedPass.id == pass_id)
            )
            audit.record(
                session,
                actor,
                AuditKind.PASS_REVOKED,
                Subject("pass", str(pass_id)),
                now,
                after={"reason": reason},
                member_id=member_id,
            )
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
