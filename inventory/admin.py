"""Staff configuration of the inventory: centres, unit types, units, closures, seasons, tariffs, quotas.

Every write checks what the database constraints would refuse first, so that staff get a clear 409/422
naming the field rather than an integrity error, and leaves its entry in the audit log (who, when, what
before and after) in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar
from zoneinfo import available_timezones

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject, snapshot
from accounts.domain.identity import Identity
from inventory import commands as s
from inventory import repository as repo
from inventory.models import Centre, Quota, Rotation, Season, Tariff, Unit, UnitClosure, UnitType
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.structs import MoneyIn
from kernel.uow import use_case

_TIME_ZONES = frozenset(available_timezones())

RateRow = TypeVar("RateRow", Tariff, Quota)


def _check_time_zone(name: str | None) -> None:
    if name is not None and name not in _TIME_ZONES:
        raise RuleViolation(ErrorCode.INVALID_TIME_ZONE, f"unknown time zone {name!r}", field="time_zone")


@use_case
async def create_centre(session: AsyncSession, actor: Identity, data: s.CentreIn, now: datetime) -> Centre:
    _check_time_zone(data.time_zone)
    if await session.scalar(select(Centre.id).where(Centre.code == data.code)):
        raise Conflict(ErrorCode.CENTRE_EXISTS, f"a centre {data.code!r} exists already", field="code")
    centre = Centre(
        code=data.code,
        name_fr=data.name_fr,
        name_ar=data.name_ar,
        town_fr=data.town_fr,
        town_ar=data.town_ar,
        arrival_time=data.arrival_time,
        departure_time=data.departure_time,
        time_zone=data.time_zone,
        description=data.description,
        unit_types=[],
    )
    session.add(centre)
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.CENTRE_CREATED,
        Subject("centre", centre.code),
        now,
        after=msgspec.to_builtins(data),
    )
    return centre


def _apply_patch(target: object, patch: msgspec.Struct) -> tuple[dict[str, object], dict[str, object]]:
    """Set what the patch gives; the patched fields as they were and as they are (for the audit log)."""
    names = patch.__struct_fields__
    before = snapshot(target, names)
    for name in names:
        value = getattr(patch, name)
        if value is not None:
            setattr(target, name, value)
    return before, snapshot(target, names)


@use_case
async def update_centre(
    session: AsyncSession, actor: Identity, code: str, patch: s.CentrePatch, now: datetime
) -> Centre:
    _check_time_zone(patch.time_zone)
    centre = await repo.centre_by_code(session, code)
    before, after = _apply_patch(centre, patch)
    await session.flush()
    audit.record(
        session, actor, AuditKind.CENTRE_CHANGED, Subject("centre", code), now, before=before, after=after
    )
    return centre


@use_case
async def create_unit_type(
    session: AsyncSession, actor: Identity, centre_code: str, data: s.UnitTypeIn, now: datetime
) -> UnitType:
    centre = await repo.centre_by_code(session, centre_code)
    if any(t.code == data.code for t in centre.unit_types):
        raise Conflict(
            ErrorCode.UNIT_TYPE_EXISTS, f"{centre_code} has a unit type {data.code!r}", field="code"
        )
    unit_type = UnitType(
        centre_id=centre.id,
        code=data.code,
        name_fr=data.name_fr,
        name_ar=data.name_ar,
        capacity=data.capacity,
        description=data.description,
    )
    centre.unit_types.append(unit_type)
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.UNIT_TYPE_CREATED,
        Subject("unit_type", f"{centre_code}/{data.code}"),
        now,
        after=msgspec.to_builtins(data),
    )
    return unit_type


@use_case
async def update_unit_type(
    session: AsyncSession, actor: Identity, centre_code: str, code: str, patch: s.UnitTypePatch, now: datetime
) -> UnitType:
    centre = await repo.centre_by_code(session, centre_code)
    unit_type = repo.unit_type_by_code(centre, code)
    before, after = _apply_patch(unit_type, patch)
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.UNIT_TYPE_CHANGED,
        Subject("unit_type", f"{centre_code}/{code}"),
        now,
        before=before,
        after=after,
    )
    return unit_type


async def list_units(session: AsyncSession, centre_code: str) -> list[Unit]:
    centre = await repo.centre_by_code(session, centre_code)
    query = (
        select(Unit)
        .where(Unit.centre_id == centre.id)
        .options(selectinload(Unit.unit_type), selectinload(Unit.closures))
        .order_by(Unit.number)
    )
    return list(await session.scalars(query))


async def _unit_by_number(session: AsyncSession, centre: Centre, number: str) -> Unit:
    query = (
        select(Unit)
        .where(Unit.centre_id == centre.id, Unit.number == number)
        .options(selectinload(Unit.unit_type), selectinload(Unit.closures))
    )
    unit = (await session.scalars(query)).one_or_none()
    if unit is None:
        raise NotFound(ErrorCode.UNIT_NOT_FOUND, f"no unit {number!r} at {centre.code}", field="number")
    return unit


@use_case
async def create_unit(
    session: AsyncSession, actor: Identity, centre_code: str, data: s.UnitIn, now: datetime
) -> Unit:
    centre = await repo.centre_by_code(session, centre_code)
    unit_type = repo.unit_type_by_code(centre, data.unit_type)
    exists = await session.scalar(
        select(Unit.id).where(Unit.centre_id == centre.id, Unit.number == data.number)
    )
    if exists:
        raise Conflict(ErrorCode.UNIT_EXISTS, f"{centre_code} has a unit {data.number!r}", field="number")
    session.add(Unit(centre_id=centre.id, unit_type_id=unit_type.id, number=data.number))
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.UNIT_CREATED,
        Subject("unit", f"{centre_code}/{data.number}"),
        now,
        after=msgspec.to_builtins(data),
    )
    return await _unit_by_number(session, centre, data.number)


@use_case
async def update_unit(
    session: AsyncSession, actor: Identity, centre_code: str, number: str, patch: s.UnitPatch, now: datetime
) -> Unit:
    centre = await repo.centre_by_code(session, centre_code)
    unit = await _unit_by_number(session, centre, number)
    unit_type = repo.unit_type_by_code(centre, patch.unit_type)
    was = unit.unit_type.code
    unit.unit_type_id = unit_type.id
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.UNIT_CHANGED,
        Subject("unit", f"{centre_code}/{number}"),
        now,
        before={"unit_type": was},
        after={"unit_type": unit_type.code},
    )
    session.expire(unit)
    return await _unit_by_number(session, centre, number)


@use_case
async def add_closure(
    session: AsyncSession, actor: Identity, centre_code: str, number: str, data: s.ClosureIn, now: datetime
) -> Unit:
    if data.ends_on <= data.starts_on:
        raise RuleViolation(ErrorCode.INVALID_DATES, "ends_on must be after starts_on", field="ends_on")
    centre = await repo.centre_by_code(session, centre_code)
    unit = await _unit_by_number(session, centre, number)
    unit.closures.append(UnitClosure(starts_on=data.starts_on, ends_on=data.ends_on, reason=data.reason))
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.UNIT_CLOSED,
        Subject("unit", f"{centre_code}/{number}"),
        now,
        after=msgspec.to_builtins(data),
    )
    return unit


def _check_season_shape(
    starts_on: date, ends_on: date, min_nights: int, max_nights: int, rotations: list[s.RotationIO]
) -> None:
    if ends_on <= starts_on:
        raise RuleViolation(ErrorCode.INVALID_DATES, "ends_on must be after starts_on", field="ends_on")
    if max_nights < min_nights:
        raise RuleViolation(
            ErrorCode.INVALID_NIGHTS, "max_nights must be at least min_nights", field="max_nights"
        )
    for rotation in rotations:
        if not (starts_on <= rotation.starts_on < rotation.ends_on <= ends_on):
            raise RuleViolation(
                ErrorCode.INVALID_ROTATION,
                f"rotation {rotation.code} must lie inside the season",
                field="rotations",
            )
    if len({r.code for r in rotations}) != len(rotations):
        raise RuleViolation(ErrorCode.INVALID_ROTATION, "rotation codes must be unique", field="rotations")


@use_case
async def create_season(session: AsyncSession, actor: Identity, data: s.SeasonIn, now: datetime) -> Season:
    _check_season_shape(data.starts_on, data.ends_on, data.min_nights, data.max_nights, data.rotations)
    if await session.scalar(select(Season.id).where(Season.code == data.code)):
        raise Conflict(ErrorCode.SEASON_EXISTS, f"a season {data.code!r} exists already", field="code")
    centre = await repo.centre_by_code(session, data.centre) if data.centre else None
    season = Season(
        code=data.code,
        name_fr=data.name_fr,
        name_ar=data.name_ar,
        kind=data.kind,
        centre_id=centre.id if centre else None,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        min_nights=data.min_nights,
        max_nights=data.max_nights,
        arrival_weekdays=sorted(set(data.arrival_weekdays)),
        cancellation_policy=_policy(data.cancellation_policy),
        rotations=[Rotation(code=r.code, starts_on=r.starts_on, ends_on=r.ends_on) for r in data.rotations],
    )
    session.add(season)
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.SEASON_CREATED,
        Subject("season", data.code),
        now,
        after=msgspec.to_builtins(data),
    )
    return season


def _policy(tiers: list[s.RefundTierIO] | None) -> list[dict[str, int]] | None:
    if tiers is None:
        return None
    return [{"days_before": t.days_before, "refund_bp": t.refund_bp} for t in tiers]


# What a season's change may move, as the audit log keeps it.
_SEASON_FIELDS = (
    "name_fr",
    "name_ar",
    "starts_on",
    "ends_on",
    "min_nights",
    "max_nights",
    "arrival_weekdays",
    "cancellation_policy",
)


def _season_facts(season: Season) -> dict[str, object]:
    facts = snapshot(season, _SEASON_FIELDS)
    facts["rotations"] = [[r.code, r.starts_on.isoformat(), r.ends_on.isoformat()] for r in season.rotations]
    return facts


@use_case
async def update_season(
    session: AsyncSession, actor: Identity, code: str, patch: s.SeasonPatch, now: datetime
) -> Season:
    season = await repo.season_by_code(session, code)
    before = _season_facts(season)
    rotations = (
        patch.rotations
        if patch.rotations is not None
        else [s.RotationIO(code=r.code, starts_on=r.starts_on, ends_on=r.ends_on) for r in season.rotations]
    )
    _check_season_shape(
        patch.starts_on or season.starts_on,
        patch.ends_on or season.ends_on,
        patch.min_nights or season.min_nights,
        patch.max_nights or season.max_nights,
        rotations,
    )
    for name in ("name_fr", "name_ar", "starts_on", "ends_on", "min_nights", "max_nights"):
        if (value := getattr(patch, name)) is not None:
            setattr(season, name, value)
    if patch.arrival_weekdays is not None:
        season.arrival_weekdays = sorted(set(patch.arrival_weekdays))
    if patch.cancellation_policy is not None:
        season.cancellation_policy = _policy(patch.cancellation_policy)
    if patch.rotations is not None:
        season.rotations = [
            Rotation(code=r.code, starts_on=r.starts_on, ends_on=r.ends_on) for r in rotations
        ]
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.SEASON_CHANGED,
        Subject("season", code),
        now,
        before=before,
        after=_season_facts(season),
    )
    return season


async def list_seasons(session: AsyncSession) -> list[tuple[Season, str | None]]:
    query = (
        select(Season, Centre.code)
        .outerjoin(Centre, Centre.id == Season.centre_id)
        .options(selectinload(Season.rotations))
        .order_by(Season.starts_on, Season.code)
    )
    return [(season, code) for season, code in await session.execute(query)]


async def _season_and_type(
    session: AsyncSession, season_code: str, centre_code: str, type_code: str
) -> tuple[Season, UnitType]:
    season = await repo.season_by_code(session, season_code)
    centre = await repo.centre_by_code(session, centre_code)
    if season.centre_id not in (None, centre.id):
        raise RuleViolation(
            ErrorCode.SEASON_OF_OTHER_CENTRE, f"season {season_code} is not {centre_code}'s", field="season"
        )
    return season, repo.unit_type_by_code(centre, type_code)


def _rate_key(data: s.TariffIO | s.QuotaIO) -> str:
    return f"{data.season}/{data.centre}/{data.unit_type}/{data.category}"


async def _rate_row(session: AsyncSession, model: type[RateRow], data: s.TariffIO | s.QuotaIO) -> RateRow:
    """The tariff or quota of (season, unit type, category), a new one added to the session if none yet."""
    season, unit_type = await _season_and_type(session, data.season, data.centre, data.unit_type)
    query = select(model).where(
        model.season_id == season.id, model.unit_type_id == unit_type.id, model.category == data.category
    )
    row = (await session.scalars(query)).one_or_none()
    if row is None:
        row = model(season_id=season.id, unit_type_id=unit_type.id, category=data.category)
        session.add(row)
    return row


def _rates_by_slot(model: type[RateRow]) -> Select[tuple[RateRow, str, str, str]]:
    """Every tariff or quota with its season, centre and unit type codes, in the order the pages list them."""
    return (
        select(model, Season.code, Centre.code, UnitType.code)
        .join(Season, Season.id == model.season_id)
        .join(UnitType, UnitType.id == model.unit_type_id)
        .join(Centre, Centre.id == UnitType.centre_id)
        .order_by(Season.starts_on, Centre.code, UnitType.code, model.category)
    )


@use_case
async def put_tariff(session: AsyncSession, actor: Identity, data: s.TariffIO, now: datetime) -> Tariff:
    """Create or replace the tariff of (season, unit type, category)."""
    tariff = await _rate_row(session, Tariff, data)
    before = {"nightly_minor": tariff.nightly_minor, "currency": tariff.currency}
    tariff.nightly_minor = data.nightly.amount_minor
    tariff.currency = data.nightly.currency
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.TARIFF_SET,
        Subject("tariff", _rate_key(data)),
        now,
        before=before,
        after={"nightly_minor": tariff.nightly_minor, "currency": tariff.currency},
    )
    return tariff


@use_case
async def put_quota(session: AsyncSession, actor: Identity, data: s.QuotaIO, now: datetime) -> Quota:
    """Create or replace the quota of (season, unit type, category): a unit count or a share."""
    if (data.units is None) == (data.share_bp is None):
        raise RuleViolation(ErrorCode.INVALID_QUOTA, "give exactly one of units and share_bp", field="units")
    quota = await _rate_row(session, Quota, data)
    before = {"units": quota.units, "share_bp": quota.share_bp}
    quota.units, quota.share_bp = data.units, data.share_bp
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.QUOTA_SET,
        Subject("quota", _rate_key(data)),
        now,
        before=before,
        after={"units": quota.units, "share_bp": quota.share_bp},
    )
    return quota


async def list_tariffs(session: AsyncSession) -> list[s.TariffIO]:
    return [
        s.TariffIO(
            season=season,
            centre=centre,
            unit_type=unit_type,
            category=t.category,
            nightly=MoneyIn(amount_minor=t.nightly_minor, currency="MAD"),
        )
        for t, season, centre, unit_type in await session.execute(_rates_by_slot(Tariff))
    ]


async def list_quotas(session: AsyncSession) -> list[s.QuotaIO]:
    return [
        s.QuotaIO(
            season=season,
            centre=centre,
            unit_type=unit_type,
            category=q.category,
            units=q.units,
            share_bp=q.share_bp,
        )
        for q, season, centre, unit_type in await session.execute(_rates_by_slot(Quota))
    ]
