"""The lock that serialises everything that takes nights of one unit type.

It is a write — bumping ``unit_types.allocation_version`` — issued as the first statement of the unit of
work: on PostgreSQL it takes the row lock, on SQLite it takes the database's single write lock at once
(a read first would let two writers deadlock on the upgrade). The same code path gives both databases
the guarantee; nothing about either leaks into the rules.

``ALLOCATION_LOCK`` exists so that a test can switch the guard off and watch the race it prevents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, bindparam, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member
from booking.models import Booking
from booking.repository import ACCOUNT_ACTIVE, member_standing_for_update
from inventory.models import Centre, StayNight, UnitType
from kernel.codes import ErrorCode
from kernel.errors import NotFound

ALLOCATION_LOCK = {"enabled": True}

# The lock is a plain Core statement on the table: the ORM's bulk-update path (session synchronisation,
# RETURNING the ids) costs a fair share of a hold's CPU and nothing here needs it.
_UNIT_TYPES: Table = UnitType.__table__  # type: ignore[assignment]
_CENTRES: Table = Centre.__table__  # type: ignore[assignment]
_LOCK_BY_CODES = (
    update(_UNIT_TYPES)
    .where(
        _UNIT_TYPES.c.centre_id
        == select(_CENTRES.c.id).where(_CENTRES.c.code == bindparam("centre_code")).scalar_subquery(),
        _UNIT_TYPES.c.code == bindparam("unit_type_code"),
    )
    .values(allocation_version=_UNIT_TYPES.c.allocation_version + 1)
)


async def lock_unit_type(session: AsyncSession, centre_code: str, unit_type_code: str) -> None:
    if not ALLOCATION_LOCK["enabled"]:
        return
    await session.execute(_LOCK_BY_CODES, {"centre_code": centre_code, "unit_type_code": unit_type_code})


_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_MEMBER_ROW = (
    select(_MEMBERS.c.category, ACCOUNT_ACTIVE)
    .where(_MEMBERS.c.user_id == bindparam("user_id"))
    .with_for_update()
    .cte("member_row")
)
_TYPE_ROW = (
    _LOCK_BY_CODES.where(exists(select(_MEMBER_ROW.c.category)))
    .returning(_UNIT_TYPES.c.id)
    .cte("unit_type_row")
)
_STAY_NIGHTS: Table = StayNight.__table__  # type: ignore[assignment]
_CLEARED = (
    delete(_STAY_NIGHTS)
    .where(
        _STAY_NIGHTS.c.unit_type_id.in_(select(_TYPE_ROW.c.id)),
        _STAY_NIGHTS.c.night >= bindparam("first"),
        _STAY_NIGHTS.c.night < bindparam("end"),
        _STAY_NIGHTS.c.hold_expires_at.is_not(None),
        _STAY_NIGHTS.c.hold_expires_at <= bindparam("now"),
    )
    .returning(_STAY_NIGHTS.c.id)
    .cte("cleared")
)
# PostgreSQL, one round trip: the member's row, then (the update reads it) the unit type's row, then
# (the delete reads the type's id) the expired holds' nights of the stay (``clear_expired_nights``).
_LOCK_MEMBER_THEN_TYPE = select(
    _MEMBER_ROW.c.category,
    _MEMBER_ROW.c.account_active,
    select(func.count()).select_from(_TYPE_ROW).scalar_subquery(),
    select(func.count()).select_from(_CLEARED).scalar_subquery(),
)


@dataclass(frozen=True, slots=True)
class HoldLocks:
    category: str  # the member's, read under the lock
    member_active: bool  # their account is active (on the roster, not disabled)
    expired_nights_cleared: bool  # the stay's nights of expired holds are gone already


async def lock_for_hold(
    session: AsyncSession,
    centre_code: str,
    unit_type_code: str,
    user_id: int,
    stay: tuple[date, date],
    now: datetime,
) -> HoldLocks:
    """Begin a hold's locked unit of work after its lock-free look: the unit type's lock and the member's
    row (their limits count across types).

    On PostgreSQL one statement locks both, the member's row first: only holds lock member rows, and
    always in this order, so the two locks cannot deadlock, and a member racing themself waits without
    holding the type's lock. The same statement clears the expired holds' nights of the stay, under
    the lock. SQLite takes its write lock first (``end_lock_free_read``); its member read needs no lock,
    and the caller clears the expired nights itself."""
    if not ALLOCATION_LOCK["enabled"] or session.get_bind().dialect.name != "postgresql":
        await end_lock_free_read(session)
        await lock_unit_type(session, centre_code, unit_type_code)
        category, active = await member_standing_for_update(session, user_id)
        return HoldLocks(category, active, expired_nights_cleared=False)
    parameters = {
        "centre_code": centre_code,
        "unit_type_code": unit_type_code,
        "user_id": user_id,
        "first": stay[0],
        "end": stay[1],
        "now": now,
    }
    row = (await session.execute(_LOCK_MEMBER_THEN_TYPE, parameters)).one_or_none()
    if row is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member")
    return HoldLocks(str(row[0]), bool(row[1]), expired_nights_cleared=True)


async def end_lock_free_read(session: AsyncSession) -> None:
    """Close the lock-free read that precedes a locked unit of work, where the database needs it.

    SQLite must begin the locked unit of work with its write (a read first would let two writers
    deadlock on the upgrade to the write lock), so its read transaction ends here. PostgreSQL runs in
    read committed: every statement after the row lock sees what committed before it, so the same
    transaction simply goes on, two round trips (ROLLBACK, BEGIN) cheaper."""
    if session.get_bind().dialect.name == "sqlite":
        await session.rollback()


async def lock_for_booking(session: AsyncSession, booking_id: uuid.UUID) -> None:
    """The lock of a booking's unit type, taken in one statement so that it stays the first one."""
    if not ALLOCATION_LOCK["enabled"]:
        return
    unit_type_id = select(Booking.unit_type_id).where(Booking.id == booking_id).scalar_subquery()
    await session.execute(
        update(UnitType)
        .where(UnitType.id == unit_type_id)
        .values(allocation_version=UnitType.allocation_version + 1)
    )


async def lock_for_confirm(session: AsyncSession, booking_id: uuid.UUID) -> None:
    """The locks of confirming a booking, in a hold's order: its member's row, then its unit type.

    A paid hold still alive needs only the type; one that lapsed is taken again only if every rule of a
    new hold still allows it (``booking.retake``), and those rules count across the member's bookings and
    the promotions' uses: the same locks as a hold, taken in the same order, so the two cannot deadlock
    and cannot both pass a limit that only one may."""
    if not ALLOCATION_LOCK["enabled"]:
        return
    member_id = select(Booking.member_id).where(Booking.id == booking_id).scalar_subquery()
    if session.get_bind().dialect.name == "sqlite":  # the write lock first; its read needs no lock
        await lock_for_booking(session, booking_id)
        return
    await session.execute(select(Member.user_id).where(Member.user_id == member_id).with_for_update())
    await lock_for_booking(session, booking_id)
