"""Occupancy per night for centre managers: units in service, units taken, persons staying.

Counts confirmed stays onwards and holds still alive (a held unit is not free to sell either); expired
holds are not read, as everywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.models import StayNight
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.errors import RuleViolation

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class NightOccupancy:
    night: date
    units_total: int
    units_occupied: int
    guests: int


async def occupancy(
    session: AsyncSession, centre_code: str, first: date, last: date, now: datetime
) -> list[NightOccupancy]:
    """One line per night from `first` to `last` inclusive."""
    if last < first:
        raise RuleViolation(ErrorCode.INVALID_DATES, "`to` must not be before `from`", field="to")
    if (last - first).days >= MAX_DAYS:
        raise RuleViolation(
            ErrorCode.RANGE_TOO_LONG,
            f"at most {MAX_DAYS} nights at a time",
            field="to",
            params={"max_nights": MAX_DAYS},
        )
    centre = await centre_view(session, centre_code)
    type_ids = [t.id for t in centre.unit_types]
    all_units = [u for t in centre.unit_types for u in t.unit_ids]
    # Counted by the database, one row per night taken (not one per unit-night: a year of a busy
    # centre is tens of thousands of those).
    rows = await session.execute(
        _NIGHTS_TAKEN, {"type_ids": type_ids, "first": first, "last": last, "now": now}
    )
    taken = {night: (units, guests) for night, units, guests in rows.tuples()}
    closed = _closed_per_night(all_units, centre.closures, first, last)
    return [
        NightOccupancy(night, len(all_units) - closed[night], *taken.get(night, (0, 0)))
        for night in (first + timedelta(days=i) for i in range((last - first).days + 1))
    ]


_STAY_NIGHTS: Table = StayNight.__table__  # type: ignore[assignment]
_NIGHTS_TAKEN = (
    select(_STAY_NIGHTS.c.night, func.count(), func.coalesce(func.sum(_STAY_NIGHTS.c.guests), 0))
    .where(
        _STAY_NIGHTS.c.unit_type_id.in_(bindparam("type_ids", expanding=True)),
        _STAY_NIGHTS.c.night >= bindparam("first"),
        _STAY_NIGHTS.c.night <= bindparam("last"),
        or_(_STAY_NIGHTS.c.hold_expires_at.is_(None), _STAY_NIGHTS.c.hold_expires_at > bindparam("now")),
    )
    .group_by(_STAY_NIGHTS.c.night)
)


def _closed_per_night(
    unit_ids: list[int], closures: dict[int, tuple[tuple[date, date], ...]], first: date, last: date
) -> Counter[date]:
    """Units out of service on each night from `first` to `last`: each closure's nights within the
    range, once per unit (two closures of one unit over the same night close it once)."""
    closed = Counter[date]()
    for unit in unit_ids:
        nights: set[date] = set()
        for start, end in closures.get(unit, ()):
            night, stop = max(start, first), min(end - timedelta(days=1), last)
            while night <= stop:
                nights.add(night)
                night += timedelta(days=1)
        closed.update(nights)
    return closed
