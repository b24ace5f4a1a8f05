"""The lock that serialises everything that takes nights of one unit type.

It is a write — bumping ``unit_types.allocation_version`` — issued as the first statement of the unit of
work: on PostgreSQL it takes the row lock, on SQLite it takes the database's single write lock at once
(a read first would let two writers deadlock on the upgrade). The same code path gives both databases
the guarantee; nothing about either leaks into the rules.

``ALLOCATION_LOCK`` exists so that a test can switch the guard off and watch the race it prevents.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Booking
from inventory.models import Centre, UnitType

ALLOCATION_LOCK = {"enabled": True}


async def lock_unit_type(session: AsyncSession, centre_code: str, unit_type_code: str) -> None:
    if not ALLOCATION_LOCK["enabled"]:
        return
    centre_id = select(Centre.id).where(Centre.code == centre_code).scalar_subquery()
    await session.execute(
        update(UnitType)
        .where(UnitType.centre_id == centre_id, UnitType.code == unit_type_code)
        .values(allocation_version=UnitType.allocation_version + 1)
    )


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
