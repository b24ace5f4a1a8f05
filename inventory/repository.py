"""Reading the inventory from the database: lookups by code and the facts availability needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from inventory.domain.availability import QuotaRule, TakenNight
from inventory.domain.calendar import SeasonKind, SeasonRule
from inventory.domain.errors import NotFound
from inventory.domain.money import Money
from inventory.models import Centre, Quota, Season, StayNight, Tariff, Unit, UnitClosure, UnitType


async def centre_by_code(session: AsyncSession, code: str) -> Centre:
    query = select(Centre).where(Centre.code == code).options(selectinload(Centre.unit_types))
    centre = (await session.scalars(query)).one_or_none()
    if centre is None:
        raise NotFound("centre_not_found", f"no centre {code!r}", field="centre")
    return centre


def unit_type_by_code(centre: Centre, code: str) -> UnitType:
    for unit_type in centre.unit_types:
        if unit_type.code == code:
            return unit_type
    raise NotFound("unit_type_not_found", f"no unit type {code!r} at {centre.code}", field="unit_type")


async def season_by_code(session: AsyncSession, code: str) -> Season:
    query = select(Season).where(Season.code == code).options(selectinload(Season.rotations))
    season = (await session.scalars(query)).one_or_none()
    if season is None:
        raise NotFound("season_not_found", f"no season {code!r}", field="season")
    return season


def season_rule(season: Season) -> SeasonRule:
    return SeasonRule(
        id=season.id,
        kind=SeasonKind(season.kind),
        starts_on=season.starts_on,
        ends_on=season.ends_on,
        for_one_centre=season.centre_id is not None,
        min_nights=season.min_nights,
        max_nights=season.max_nights,
        arrival_weekdays=frozenset(season.arrival_weekdays),
    )


async def seasons_for(session: AsyncSession, centre: Centre, first: date, end: date) -> list[Season]:
    """Seasons of this centre (its own and the foundation-wide ones) that overlap [first, end)."""
    query = select(Season).where(
        or_(Season.centre_id.is_(None), Season.centre_id == centre.id),
        Season.starts_on < end,
        Season.ends_on > first,
    )
    return list(await session.scalars(query))


async def units_by_type(session: AsyncSession, centre: Centre) -> dict[int, list[int]]:
    rows = await session.execute(select(Unit.unit_type_id, Unit.id).where(Unit.centre_id == centre.id))
    by_type: dict[int, list[int]] = defaultdict(list)
    for unit_type_id, unit_id in rows:
        by_type[unit_type_id].append(unit_id)
    return by_type


async def closures_between(
    session: AsyncSession, centre: Centre, first: date, end: date
) -> dict[int, list[tuple[date, date]]]:
    query = (
        select(UnitClosure.unit_id, UnitClosure.starts_on, UnitClosure.ends_on)
        .join(Unit, Unit.id == UnitClosure.unit_id)
        .where(Unit.centre_id == centre.id, UnitClosure.starts_on < end, UnitClosure.ends_on > first)
    )
    closed: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for unit_id, starts_on, ends_on in await session.execute(query):
        closed[unit_id].append((starts_on, ends_on))
    return closed


async def taken_nights(
    session: AsyncSession, unit_type_ids: Sequence[int], first: date, end: date, now: datetime
) -> dict[int, list[TakenNight]]:
    """Nights taken by confirmed stays and by holds still alive at ``now``, per unit type.

    An expired hold is simply not read: that is what frees its inventory at once for every reader.
    """
    query = select(StayNight.unit_type_id, StayNight.unit_id, StayNight.night, StayNight.category).where(
        StayNight.unit_type_id.in_(unit_type_ids),
        StayNight.night >= first,
        StayNight.night < end,
        or_(StayNight.hold_expires_at.is_(None), StayNight.hold_expires_at > now),
    )
    taken: dict[int, list[TakenNight]] = defaultdict(list)
    for unit_type_id, unit_id, night, category in await session.execute(query):
        taken[unit_type_id].append(TakenNight(unit_id, night, category))
    return taken


async def quotas_for(
    session: AsyncSession, season_ids: Sequence[int], unit_type_ids: Sequence[int], category: str
) -> dict[tuple[int, int], QuotaRule]:
    """Quota of the category per (season, unit type)."""
    query = select(Quota).where(
        Quota.season_id.in_(season_ids), Quota.unit_type_id.in_(unit_type_ids), Quota.category == category
    )
    return {
        (q.season_id, q.unit_type_id): QuotaRule(units=q.units, share_bp=q.share_bp)
        for q in await session.scalars(query)
    }


async def tariffs_for(
    session: AsyncSession, season_ids: Sequence[int], unit_type_ids: Sequence[int], category: str
) -> dict[tuple[int, int], Money]:
    """Nightly price of the category per (season, unit type)."""
    query = select(Tariff).where(
        and_(Tariff.season_id.in_(season_ids), Tariff.unit_type_id.in_(unit_type_ids)),
        Tariff.category == category,
    )
    return {
        (t.season_id, t.unit_type_id): Money(t.nightly_minor, t.currency)
        for t in await session.scalars(query)
    }
