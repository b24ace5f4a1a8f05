"""Occupancy per night for centre managers: units in service, units taken, persons staying.

Counts confirmed stays onwards and holds still alive (a held unit is not free to sell either); expired
holds are not read, as everywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
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
    rows = await session.execute(
        select(StayNight.night, StayNight.guests).where(
            StayNight.unit_type_id.in_(type_ids),
            StayNight.night >= first,
            StayNight.night <= last,
            or_(StayNight.hold_expires_at.is_(None), StayNight.hold_expires_at > now),
        )
    )
    units, guests = Counter[date](), Counter[date]()
    for night, party in rows:
        units[night] += 1
        guests[night] += party
    nights = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [
        NightOccupancy(night, _in_service(all_units, centre.closures, night), units[night], guests[night])
        for night in nights
    ]


def _in_service(unit_ids: list[int], closures: dict[int, tuple[tuple[date, date], ...]], night: date) -> int:
    return sum(
        1 for unit in unit_ids if not any(start <= night < end for start, end in closures.get(unit, ()))
    )
