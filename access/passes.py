"""Issuing passes for confirmed stays, and revoking them when a stay is cancelled."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access import keys
from access.models import IssuedPass, Revocation
from access.passformat import PassClaims, sign_pass
from access.services import revoke_pass
from booking.models import Booking
from booking.services import BookingView
from inventory.domain.calendar import Stay, stay_window
from inventory.domain.errors import Conflict, RateLimited
from inventory.snapshot import centre_view

logger = logging.getLogger("estivage.access")

PASSABLE = ("confirmed", "checked_in")
REISSUES_PER_DAY = 3
REISSUE_WINDOW = timedelta(hours=24)


async def current_pass(
    session: AsyncSession, view: BookingView, keys_path: Path, now: datetime
) -> IssuedPass:
    """The booking's live pass, issued on first request once the booking is confirmed; issued again
    when the key that signed it is no longer trusted (retired as feared stolen), the old one revoked."""
    booking = view.booking
    if booking.status not in PASSABLE:
        raise Conflict("no_pass_yet", f"a {booking.status} booking has no pass; it comes once paid")
    existing = await session.scalar(
        select(IssuedPass).where(IssuedPass.booking_id == booking.id, IssuedPass.revoked_at.is_(None))
    )
    all_keys = keys.ensure(keys_path, now)
    if existing is not None:
        if existing.kid in {k.kid for k in keys.published(all_keys, now)}:
            return existing
        await revoke_booking_passes(session, booking, "key_retired", now)
    centre = await centre_view(session, view.centre)
    start, end = stay_window(
        Stay(booking.arrival, booking.departure, booking.guests),
        centre.arrival_time,
        centre.departure_time,
        centre.time_zone,
    )
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    signer = keys.signing_key(all_keys, now)
    pass_id = uuid.uuid4()
    claims = PassClaims(
        pass_id, view.centre, int(start.timestamp()), int(end.timestamp()), booking.guests, booking.id
    )
    issued = IssuedPass(
        id=pass_id,
        booking_id=booking.id,
        kid=signer.kid,
        payload=sign_pass(claims, signer.private_key, signer.kid),
        valid_from=start,
        valid_until=end,
        party_size=booking.guests,
        created_at=now,
    )
    session.add(issued)
    await session.flush()
    return issued


async def revoke_booking_passes(session: AsyncSession, booking: Booking, reason: str, now: datetime) -> None:
    passes = list(
        await session.scalars(
            select(IssuedPass).where(IssuedPass.booking_id == booking.id, IssuedPass.revoked_at.is_(None))
        )
    )
    for issued in passes:
        issued.revoked_at = now
        await revoke_pass(session, issued.id, reason, now)


async def reissues_since(session: AsyncSession, booking: Booking, since: datetime) -> int:
    """The booking's passes revoked by a reissue since ``since``."""
    count = await session.scalar(
        select(func.count())
        .select_from(Revocation)
        .join(IssuedPass, IssuedPass.id == Revocation.pass_id)
        .where(
            IssuedPass.booking_id == booking.id,
            Revocation.reason == "reissued",
            Revocation.revoked_at > since,
        )
    )
    return int(count or 0)


async def reissue(session: AsyncSession, view: BookingView, keys_path: Path, now: datetime) -> IssuedPass:
    """A new pass (e.g. after a lost phone); the old one is revoked first, so it can never stay valid
    beside the new one. It continues the old one's count at the gates (same booking), and a booking
    gets at most ``REISSUES_PER_DAY`` in 24 hours: each is logged, and is a row of the revocation feed."""
    booking = view.booking
    if booking.status not in PASSABLE:
        raise Conflict("no_pass_yet", f"a {booking.status} booking has no pass; it comes once paid")
    if await reissues_since(session, booking, now - REISSUE_WINDOW) >= REISSUES_PER_DAY:
        raise RateLimited(
            "too_many_reissues",
            f"a pass may be reissued {REISSUES_PER_DAY} times in 24 hours; try again later",
            params={"limit": REISSUES_PER_DAY},
        )
    old = await session.scalar(
        select(IssuedPass.id).where(IssuedPass.booking_id == booking.id, IssuedPass.revoked_at.is_(None))
    )
    await revoke_booking_passes(session, booking, "reissued", now)
    issued = await current_pass(session, view, keys_path, now)
    logger.info("pass reissued: booking %s, pass %s replaced by %s", booking.id, old, issued.id)
    return issued
