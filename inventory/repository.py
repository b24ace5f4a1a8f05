"""Reading the inventory from the database: lookups by code and the facts availability needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from inventory.domain.availability import TakenNight
from inventory.models import Centre, InventoryVersion, Season, StayNight, UnitType
from kernel.codes import ErrorCode
from kernel.errors import NotFound


async def centre_by_code(session: AsyncSession, code: str) -> Centre:
    query = select(Centre).where(Centre.code == code).options(selectinload(Centre.unit_types))
    centre = (await session.scalars(query)).one_or_none()
    if centre is None:
        raise NotFound(ErrorCode.CENTRE_NOT_FOUND, f"no centre {code!r}", field="centre")
    return centre


def unit_type_by_code(centre: Centre, code: str) -> UnitType:
    for unit_type in centre.unit_types:
        if unit_type.code == code:
            return unit_type
    raise NotFound(
        ErrorCode.UNIT_TYPE_NOT_FOUND, f"no unit type {code!r} at {centre.code}", field="unit_type"
    )


async def season_by_code(session: AsyncSession, code: str) -> Season:
    query = select(Season).where(Season.code == code).options(selectinload(Season.rotations))
    season = (await session.scalars(query)).one_or_none()
    if season is None:
        raise NotFound(ErrorCode.SEASON_NOT_FOUND, f"no season {code!r}", field="season")
    return season


_STAY_NIGHTS: Table = StayNight.__table__  # type: ignore[assignment]
# Read twice by every hold and once by every availability search: built once, on the table.
_TAKEN_NIGHTS = select(
    _STAY_NIGHTS.c.unit_type_id, _STAY_NIGHTS.c.unit_id, _STAY_NIGHTS.c.night, _STAY_NIGHTS.c.category
).where(
    _STAY_NIGHTS.c.unit_type_id.in_(bindparam("unit_type_ids", expanding=True)),
    _STAY_NIGHTS.c.night >= bindparam("first"),
    _STAY_NIGHTS.c.night < bindparam("end"),
    or_(_STAY_NIGHTS.c.hold_expires_at.is_(None), _STAY_NIGHTS.c.hold_expires_at > bindparam("now")),
)


_VERSIONS: Table = InventoryVersion.__table__  # type: ignore[assignment]
# The configuration version and the nights taken, in one round trip: the version row, outer-joined to the
# nights, comes back once per night taken (once, with no night, when none is).
_VERSION_AND_TAKEN_NIGHTS = (
    select(
        _VERSIONS.c.version,
        _STAY_NIGHTS.c.unit_type_id,
        _STAY_NIGHTS.c.unit_id,
        _STAY_NIGHTS.c.night,
        _STAY_NIGHTS.c.category,
        _STAY_NIGHTS.c.hold_expires_at,
    )
    .select_from(
        _VERSIONS.outerjoin(
            _STAY_NIGHTS,
            and_(
                _STAY_NIGHTS.c.unit_type_id.in_(bindparam("unit_type_ids", expanding=True)),
                _STAY_NIGHTS.c.night >= bindparam("first"),
                _STAY_NIGHTS.c.night < bindparam("end"),
                or_(
                    _STAY_NIGHTS.c.hold_expires_at.is_(None),
                    _STAY_NIGHTS.c.hold_expires_at > bindparam("now"),
                ),
            ),
        )
    )
    .where(_VERSIONS.c.id == 1)
)


@dataclass(frozen=True, slots=True)
class TakenWithVersion:
    """``taken_nights`` with the inventory version read by the same statement (None: no version row)
    and the first moment one of the holds read lapses (None: none will)."""

    version: int | None
    taken: dict[int, list[TakenNight]]
    first_lapse: datetime | None


async def taken_nights_with_version(
    session: AsyncSession, unit_type_ids: Sequence[int], first: date, end: date, now: datetime
) -> TakenWithVersion:
    """For a caller that holds a configuration snapshot and must know it is still current."""
    taken: dict[int, list[TakenNight]] = defaultdict(list)
    version: int | None = None
    first_lapse: datetime | None = None
    parameters = {"unit_type_ids": list(unit_type_ids), "first": first, "end": end, "now": now}
    for row_version, unit_type_id, unit_id, night, category, lapses in await session.execute(
        _VERSION_AND_TAKEN_NIGHTS, parameters
    ):
        version = row_version
        if unit_type_id is not None:
            taken[unit_type_id].append(TakenNight(unit_id, night, category))
        if lapses is not None and (first_lapse is None or lapses < first_lapse):
            first_lapse = lapses
    return TakenWithVersion(version, dict(taken), first_lapse)


async def taken_nights(
    session: AsyncSession, unit_type_ids: Sequence[int], first: date, end: date, now: datetime
) -> dict[int, list[TakenNight]]:
    """Nights taken by confirmed stays and by holds still alive at ``now``, per unit type.

    An expired hold is simply not read: that is what frees its inventory at once for every reader.
    """
    taken: dict[int, list[TakenNight]] = defaultdict(list)
    parameters = {"unit_type_ids": list(unit_type_ids), "first": first, "end": end, "now": now}
    for unit_type_id, unit_id, night, category in await session.execute(_TAKEN_NIGHTS, parameters):
        taken[unit_type_id].append(TakenNight(unit_id, night, category))
    return taken
