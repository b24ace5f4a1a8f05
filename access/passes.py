"""Issuing passes for confirmed stays, and revoking them when a stay is cancelled or nobody came."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access import keys
from access.events import PassReissued
from access.models import IssuedPass, Revocation
from access.passformat import PassClaims, booking_code, sign_pass
from access.render import PassCard
from access.services import add_to_feed
from accounts.domain.identity import Identity
from accounts.models import Member
from booking.domain import states
from booking.events import BookingCancelled, PartyNamed, StayCheckedIn, StayNoShow
from booking.services import BookingView, booking_view, own_booking
from inventory.domain.calendar import Stay, stay_window
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.errors import Conflict, RateLimited
from kernel.uow import UnitOfWork

logger = logging.getLogger("estivage.access")

PASSABLE = tuple(sorted(states.ACTIVE))
REISSUES_PER_DAY = 3
REISSUE_WINDOW = timedelta(hours=24)


async def current_pass(
    session: AsyncSession, view: BookingView, keys_path: Path, now: datetime
) -> IssuedPass:
    """The booking's live pass, issued on first request once the booking is confirmed; issued again
    when the key that signed it is no longer trusted (retired as feared stolen), the old one revoked."""
    booking = view.booking
    if booking.status not in PASSABLE:
        raise Conflict(ErrorCode.NO_PASS_YET, f"a {booking.status} booking has no pass; it comes once paid")
    existing = await session.scalar(
        select(IssuedPass).where(IssuedPass.booking_id == booking.id, IssuedPass.revoked_at.is_(None))
    )
    all_keys = keys.ensure(keys_path, now)
    if existing is not None:
        if existing.kid in {k.kid for k in keys.published(all_keys, now)}:
            return existing
        await revoke_booking_passes(session, booking.id, "key_retired", now)
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


async def pass_of(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, keys_path: Path, now: datetime
) -> tuple[BookingView, IssuedPass]:
    """The member's own booking and its live pass (issued on first request)."""
    async with uow:
        view = await own_booking(uow.session, identity, booking_id)
        issued = await current_pass(uow.session, view, keys_path, now)
        await uow.commit()
        return view, issued


async def revoke_booking_passes(
    session: AsyncSession, booking_id: uuid.UUID, reason: str, now: datetime
) -> list[uuid.UUID]:
    passes = list(
        await session.scalars(
            select(IssuedPass).where(IssuedPass.booking_id == booking_id, IssuedPass.revoked_at.is_(None))
        )
    )
    for issued in passes:
        issued.revoked_at = now
        await add_to_feed(session, issued.id, reason, now)
    return [issued.id for issued in passes]


async def revoke_on_cancel(uow: UnitOfWork, event: BookingCancelled) -> None:
    """A cancelled stay's pass is refused at every gate (a handler of ``BookingCancelled``)."""
    await revoke_booking_passes(uow.session, event.booking_id, "booking_cancelled", event.occurred_at)


async def revoke_on_no_show(uow: UnitOfWork, event: StayNoShow) -> None:
    """Nobody came: the stay's pass is refused at every gate, as a cancelled one's (a handler of
    ``StayNoShow``, whether the desk or the worker recorded it)."""
    await revoke_booking_passes(uow.session, event.booking_id, "no_show", event.occurred_at)


async def reissue_on_party_change(uow: UnitOfWork, event: PartyNamed, keys_path: Path) -> None:
    """A pass carries its party size: when the named party changes the count, the pass issued with the
    old one is revoked and one with the new count issued at once, told as ``PassReissued`` (the member
    gets it by mail, so the old pass, printed or saved, is known to be void). A handler of ``PartyNamed``;
    a stay with no pass out yet (a hold) gets its first one with the new count when paid."""
    if event.guests == event.guests_before:
        return
    session, now = uow.session, event.occurred_at
    replaced = await revoke_booking_passes(session, event.booking_id, "party_changed", now)
    if not replaced:
        return
    issued = await current_pass(session, await booking_view(session, event.booking_id), keys_path, now)
    uow.record(
        PassReissued(
            occurred_at=now,
            booking_id=event.booking_id,
            member_id=event.member_id,
            pass_id=issued.id,
            replaced=tuple(replaced),
        )
    )


async def reissue_after_no_show(uow: UnitOfWork, event: StayCheckedIn, keys_path: Path) -> None:
    """A party recorded a no-show came after all (checked in at the desk, or let in by a gate that sent
    its scans late): the pass the no-show revoked stays refused everywhere, and a new one is issued at
    once, told as ``PassReissued`` so that the member gets it by mail. A handler of ``StayCheckedIn``."""
    if not event.after_no_show:
        return
    session, now = uow.session, event.occurred_at
    revoked = tuple(
        await session.scalars(
            select(IssuedPass.id)
            .join(Revocation, Revocation.pass_id == IssuedPass.id)
            .where(IssuedPass.booking_id == event.booking_id, Revocation.reason == "no_show")
        )
    )
    if not revoked:  # no pass was ever out: the member's first one comes when they open the booking
        return
    issued = await current_pass(session, await booking_view(session, event.booking_id), keys_path, now)
    uow.record(
        PassReissued(
            occurred_at=now,
            booking_id=event.booking_id,
            member_id=event.member_id,
            pass_id=issued.id,
            replaced=revoked,
        )
    )


async def reissues_since(session: AsyncSession, booking_id: uuid.UUID, since: datetime) -> int:
    """The booking's passes revoked by a reissue since ``since``."""
    count = await session.scalar(
        select(func.count())
        .select_from(Revocation)
        .join(IssuedPass, IssuedPass.id == Revocation.pass_id)
        .where(
            IssuedPass.booking_id == booking_id,
            Revocation.reason == "reissued",
            Revocation.revoked_at > since,
        )
    )
    return int(count or 0)


async def reissue(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, keys_path: Path, now: datetime
) -> tuple[BookingView, IssuedPass]:
    """A new pass (e.g. after a lost phone); the old one is revoked first, so it can never stay valid
    beside the new one. It continues the old one's count at the gates (same booking), and a booking
    gets at most ``REISSUES_PER_DAY`` in 24 hours: each is logged, and is a row of the revocation feed."""
    async with uow:
        view = await own_booking(uow.session, identity, booking_id)
        if view.booking.status not in PASSABLE:
            raise Conflict(
                ErrorCode.NO_PASS_YET, f"a {view.booking.status} booking has no pass; it comes once paid"
            )
        if await reissues_since(uow.session, view.booking.id, now - REISSUE_WINDOW) >= REISSUES_PER_DAY:
            raise RateLimited(
                ErrorCode.TOO_MANY_REISSUES,
                f"a pass may be reissued {REISSUES_PER_DAY} times in 24 hours; try again later",
                params={"limit": REISSUES_PER_DAY},
            )
        replaced = await revoke_booking_passes(uow.session, view.booking.id, "reissued", now)
        issued = await current_pass(uow.session, view, keys_path, now)
        uow.record(
            PassReissued(
                occurred_at=now,
                booking_id=view.booking.id,
                member_id=view.booking.member_id,
                pass_id=issued.id,
                replaced=tuple(replaced),
            )
        )
        await uow.commit()
    logger.info("pass reissued: booking %s, pass %s replaced by %s", view.booking.id, replaced, issued.id)
    return view, issued


async def card_of(session: AsyncSession, view: BookingView, issued: IssuedPass) -> PassCard:
    """What the pass's picture says beside its QR code: the centre and unit, the holder, the dates, and
    the booking code a guard types when the camera cannot read the phone."""
    centre = await centre_view(session, view.centre)
    member = await session.get(Member, view.booking.member_id)
    return PassCard(
        payload=issued.payload,
        centre_fr=f"{centre.name_fr} — {view.unit}",
        centre_ar=centre.name_ar,
        holder_fr=f"{member.first_name} {member.last_name}" if member else "",
        holder_ar=f"{member.first_name_ar} {member.last_name_ar}" if member else "",
        # Digits by hand, not Babel: the card has no one language. It says each line in French and in
        # Arabic (one picture for the pass page, the mails in either language and the guard at the
        # gate), and 20/12/2026 reads alike in both, where months by name would need a line for each.
        dates=f"{view.booking.arrival:%d/%m/%Y} → {view.booking.departure:%d/%m/%Y}",
        party_size=issued.party_size,
        code=booking_code(view.booking.id),
    )
