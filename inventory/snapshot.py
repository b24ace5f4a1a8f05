"""An in-memory snapshot of a centre's configuration, reloaded only when the configuration changes.

Availability and holds need the centre, its unit types and units, closures, seasons, tariffs and quotas
on every request, and those change a few times a season. Each replica keeps them in memory keyed by the
database's inventory version (one row, one integer read per request), so staff changes show at once on
every replica without a cache to invalidate by hand. Only the nights taken are read live.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, TypeVar

from sqlalchemy import Table, event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from inventory.domain.calendar import SeasonKind, SeasonRule
from inventory.domain.housekeeping import FOR_GOOD, Housekeeping
from inventory.domain.quotas import QuotaRule
from inventory.models import (
    CONFIGURATION_MODELS,
    Centre,
    InventoryVersion,
    Quota,
    Season,
    Tariff,
    Unit,
    UnitClosure,
    UnitHousekeeping,
    UnitType,
)
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.money import Money


@dataclass(frozen=True, slots=True)
class UnitTypeView:
    id: int
    code: str
    name_fr: str
    name_ar: str
    capacity: int
    unit_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CentreView:
    id: int
    code: str
    name_fr: str
    name_ar: str
    time_zone: str
    arrival_time: time
    departure_time: time
    unit_types: tuple[UnitTypeView, ...]
    seasons: tuple[SeasonRule, ...]
    closures: dict[int, tuple[tuple[date, date], ...]]
    tariffs: dict[tuple[int, int, str], Money]
    quotas: dict[tuple[int, int, str], QuotaRule]
    unit_numbers: dict[int, str]
    version: int = 0

    def unit_type(self, code: str) -> UnitTypeView:
        for unit_type in self.unit_types:
            if unit_type.code == code:
                return unit_type
        raise NotFound(
            ErrorCode.UNIT_TYPE_NOT_FOUND, f"no unit type {code!r} at {self.code}", field="unit_type"
        )


T = TypeVar("T")

# (database, centre code) -> (inventory version, snapshot). The database is part of the key because one
# process may serve several (the tests do).
_cache: dict[tuple[str, str], tuple[int, CentreView]] = {}


_INVENTORY_VERSIONS: Table = InventoryVersion.__table__  # type: ignore[assignment]
# Read on every availability and hold request: built once, on the table (no ORM compile step).
_VERSION = select(_INVENTORY_VERSIONS.c.version).where(_INVENTORY_VERSIONS.c.id == 1)


async def inventory_version(session: AsyncSession) -> int:
    return (await session.execute(_VERSION)).scalar() or 0


async def centre_view(session: AsyncSession, code: str) -> CentreView:
    version = await inventory_version(session)
    key = (str(session.get_bind().engine.url), code)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    view = dataclasses.replace(await _load(session, code), version=version)
    _cache[key] = (version, view)
    return view


def last_centre_view(session: AsyncSession, code: str) -> CentreView | None:
    """The snapshot last loaded for this centre, without reading the version: for a caller that reads
    the version in the same statement as its own facts and compares it with the snapshot's."""
    cached = _cache.get((str(session.get_bind().engine.url), code))
    return cached[1] if cached is not None else None


_versioned: dict[tuple[str, str], tuple[int, Any]] = {}


async def versioned(session: AsyncSession, name: str, version: int, load: Callable[[], Awaitable[T]]) -> T:
    """Any other configuration (booking policy, promotions…) cached on the same inventory version; the
    models it is read from must be registered with ``register_configuration_model``."""
    key = (str(session.get_bind().engine.url), name)
    cached = _versioned.get(key)
    if cached is not None and cached[0] == version:
        value: T = cached[1]
        return value
    value = await load()
    _versioned[key] = (version, value)
    return value


_configuration_models: tuple[type, ...] = CONFIGURATION_MODELS


def register_configuration_model(model: type) -> None:
    """A model of another package whose changes must move the inventory version."""
    global _configuration_models  # noqa: PLW0603 - a registry filled once at import time
    _configuration_models = (*_configuration_models, model)


async def _load(session: AsyncSession, code: str) -> CentreView:
    centre = (await session.execute(select(Centre.__table__).where(Centre.code == code))).one_or_none()
    if centre is None:
        raise NotFound(ErrorCode.CENTRE_NOT_FOUND, f"no centre {code!r}", field="centre")
    types = (
        await session.execute(
            select(UnitType.id, UnitType.code, UnitType.name_fr, UnitType.name_ar, UnitType.capacity)
            .where(UnitType.centre_id == centre.id)
            .order_by(UnitType.code)
        )
    ).all()
    units: dict[int, list[int]] = defaultdict(list)
    numbers: dict[int, str] = {}
    for type_id, unit_id, number in await session.execute(
        select(Unit.unit_type_id, Unit.id, Unit.number).where(Unit.centre_id == centre.id).order_by(Unit.id)
    ):
        units[type_id].append(unit_id)
        numbers[unit_id] = number
    closures: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for unit_id, starts_on, ends_on in await session.execute(
        select(UnitClosure.unit_id, UnitClosure.starts_on, UnitClosure.ends_on)
        .join(Unit, Unit.id == UnitClosure.unit_id)
        .where(Unit.centre_id == centre.id)
    ):
        closures[unit_id].append((starts_on, ends_on))
    for (unit_id,) in await session.execute(
        select(UnitHousekeeping.unit_id)
        .join(Unit, Unit.id == UnitHousekeeping.unit_id)
        .where(Unit.centre_id == centre.id, UnitHousekeeping.state == Housekeeping.OUT_OF_SERVICE)
    ):
        closures[unit_id].append(FOR_GOOD)  # out of service at the desk: sold on no night
    seasons = list(
        await session.scalars(
            select(Season).where(or_(Season.centre_id.is_(None), Season.centre_id == centre.id))
        )
    )
    type_ids = [t.id for t in types]
    tariffs = {
        (t.season_id, t.unit_type_id, t.category): Money(t.nightly_minor, t.currency)
        for t in (await session.execute(select(Tariff.__table__).where(Tariff.unit_type_id.in_(type_ids))))
    }
    quotas = {
        (q.season_id, q.unit_type_id, q.category): QuotaRule(units=q.units, share_bp=q.share_bp)
        for q in (await session.execute(select(Quota.__table__).where(Quota.unit_type_id.in_(type_ids))))
    }
    return CentreView(
        id=centre.id,
        code=centre.code,
        name_fr=centre.name_fr,
        name_ar=centre.name_ar,
        time_zone=centre.time_zone,
        arrival_time=centre.arrival_time,
        departure_time=centre.departure_time,
        unit_types=tuple(
            UnitTypeView(t.id, t.code, t.name_fr, t.name_ar, t.capacity, tuple(units.get(t.id, ())))
            for t in types
        ),
        seasons=tuple(season_rule(s) for s in seasons),
        closures={unit_id: tuple(spans) for unit_id, spans in closures.items()},
        tariffs=tariffs,
        quotas=quotas,
        unit_numbers=numbers,
    )


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
        open_sale=season.open_sale_at is not None,
    )


@event.listens_for(Session, "after_flush")
def _bump_version_on_configuration_change(session: Session, _flush: UOWTransaction) -> None:
    changed: Any = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _configuration_models) for obj in changed):
        session.connection().execute(
            update(InventoryVersion)
            .where(InventoryVersion.id == 1)
            .values(version=InventoryVersion.version + 1)
        )
