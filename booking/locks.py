"""The lock that serialises everything that takes nights of one unit type.

It is a write — bumping ``unit_types.allocation_version`` — issued as the first statement of the unit of
work: on PostgreSQL it takes the row lock, on SQLite it takes the database's single write lock at once
(a read first would let two writers deadlock on the upgrade). The same code path gives both databases
the guarantee; nothing about either leaks into the rules.

``ALLOCATION_LOCK`` exists so that a test can switch the guard off and watch the race it prevents.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Booking
from inventory.models import Centre, UnitType

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
