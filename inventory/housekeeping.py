"""The desk's housekeeping: each unit's state (``inventory.domain.housekeeping``), set by the desk and by
departures. An out-of-service unit leaves the snapshot's units for sale (``inventory.snapshot``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import Identity
from inventory.domain.housekeeping import Housekeeping
from inventory.models import Centre, Unit, UnitHousekeeping
from kernel.codes import ErrorCode
from kernel.errors import NotFound, RuleViolation
from kernel.uow import use_case


async def states_of(session: AsyncSession, unit_ids: list[int]) -> dict[int, Housekeeping]:
    """Each unit's state; a unit never set is clean."""
    rows = await session.execute(
        select(UnitHousekeeping.unit_id, UnitHousekeeping.state).where(UnitHousekeeping.unit_id.in_(unit_ids))
    )
    found = {unit_id: Housekeeping(state) for unit_id, state in rows.tuples()}
    return {unit_id: found.get(unit_id, Housekeeping.CLEAN) for unit_id in unit_ids}


async def _put(session: AsyncSession, unit_id: int, state: Housekeeping, now: datetime) -> Housekeeping:
    """The unit's new state, and the one it had."""
    row = await session.get(UnitHousekeeping, unit_id, with_for_update=True)
    if row is None:
        session.add(UnitHousekeeping(unit_id=unit_id, state=state, changed_at=now))
        await session.flush()
        return Housekeeping.CLEAN
    was = Housekeeping(row.state)
    if was != state:
        row.state, row.changed_at = state, now
        await session.flush()
    return was


async def leave_to_clean(session: AsyncSession, unit_id: int, now: datetime) -> None:
    """A departure's step: the unit it left is to clean, unless the desk took it out of service."""
    current = (await states_of(session, [unit_id]))[unit_id]
    if current != Housekeeping.OUT_OF_SERVICE:
        await _put(session, unit_id, Housekeeping.TO_CLEAN, now)


@use_case
async def set_state(
    session: AsyncSession, actor: Identity, centre_code: str, unit_number: str, state: str, now: datetime
) -> Housekeeping:
    """The desk (the centre's manager, or staff) sets a unit's state; logged when it moves."""
    actor.require_centre(centre_code)
    try:
        wanted = Housekeeping(state)
    except ValueError:
        raise RuleViolation(
            ErrorCode.INVALID_HOUSEKEEPING,
            f"state must be one of {', '.join(h.value for h in Housekeeping)}",
            field="state",
        ) from None
    unit_id = await session.scalar(
        select(Unit.id)
        .join(Centre, Centre.id == Unit.centre_id)
        .where(Centre.code == centre_code, Unit.number == unit_number)
    )
    if unit_id is None:
        raise NotFound(ErrorCode.UNIT_NOT_FOUND, f"no unit {unit_number!r} at {centre_code}", field="unit")
    was = await _put(session, unit_id, wanted, now)
    audit.record(
        session,
        actor,
        AuditKind.UNIT_HOUSEKEEPING_SET,
        Subject("unit", f"{centre_code}/{unit_number}"),
        now,
        before={"housekeeping": was.value},
        after={"housekeeping": wanted.value},
    )
    return wanted
