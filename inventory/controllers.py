"""HTTP for the inventory: the public list of centres, occupancy for managers, configuration for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from inventory import admin, repository
from inventory import commands as c
from inventory import schemas as s
from inventory.models import Centre, Season, Unit, UnitType
from kernel.http.schemas import language_of
from kernel.uow import UnitOfWork


def centre_out(centre: Centre, unit_counts: dict[int, int], lang: str) -> s.CentreOut:
    return s.CentreOut(
        code=centre.code,
        name=centre.name_ar if lang == "ar" else centre.name_fr,
        name_ar=centre.name_ar,
        name_fr=centre.name_fr,
        town=(centre.town_ar or centre.town_fr) if lang == "ar" else centre.town_fr,
        time_zone=centre.time_zone,
        arrival_time=centre.arrival_time.strftime("%H:%M"),
        departure_time=centre.departure_time.strftime("%H:%M"),
        unit_types=[unit_type_out(t, unit_counts.get(t.id, 0), lang) for t in centre.unit_types],
    )


def unit_type_out(unit_type: UnitType, units: int, lang: str) -> s.UnitTypeSummary:
    return s.UnitTypeSummary(
        code=unit_type.code,
        name=unit_type.name_ar if lang == "ar" else unit_type.name_fr,
        name_ar=unit_type.name_ar,
        name_fr=unit_type.name_fr,
        capacity=unit_type.capacity,
        units=units,
        description=unit_type.description,
    )


def unit_out(unit: Unit) -> s.UnitOut:
    return s.UnitOut(
        number=unit.number,
        unit_type=unit.unit_type.code,
        closures=[s.ClosureOut(c.id, c.starts_on, c.ends_on, c.reason) for c in unit.closures],
    )


def season_out(season: Season, centre_code: str | None) -> s.SeasonOut:
    return s.SeasonOut(
        code=season.code,
        name_fr=season.name_fr,
        name_ar=season.name_ar,
        kind=season.kind,
        centre=centre_code,
        starts_on=season.starts_on,
        ends_on=season.ends_on,
        min_nights=season.min_nights,
        max_nights=season.max_nights,
        arrival_weekdays=list(season.arrival_weekdays),
        rotations=[c.RotationIO(r.code, r.starts_on, r.ends_on) for r in season.rotations],
        cancellation_policy=[c.RefundTierIO(**t) for t in season.cancellation_policy]
        if season.cancellation_policy is not None
        else None,
    )


async def _unit_counts(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(Unit.unit_type_id, func.count()).group_by(Unit.unit_type_id))
    return dict(rows.tuples().all())


async def _centre_out(session: AsyncSession, code: str, lang: str) -> s.CentreOut:
    centre = await repository.centre_by_code(session, code)
    await session.refresh(centre, ["unit_types"])
    return centre_out(centre, await _unit_counts(session), lang)


class CentreController(Controller):
    path = "/api/centres"
    tags = ["inventory"]

    @get("/", summary="List the centres and their unit types", exclude_from_auth=True)
    async def list_centres(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[s.CentreOut]:
        """Open to anyone, no account: each centre with its names and town in the caller's language, times
        and unit types."""
        centres = await db_session.scalars(
            select(Centre).options(selectinload(Centre.unit_types)).order_by(Centre.code)
        )
        counts = await _unit_counts(db_session)
        return [centre_out(c, counts, language_of(request)) for c in centres]

    @post("/", guards=[requires_staff], summary="Create a centre")
    async def create_centre(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.CentreIn],
    ) -> s.CentreOut:
        """Staff only. 409 for a code taken; 422 for an unknown time zone."""
        centre = await admin.create_centre(uow, request.user, data, now)
        return await _centre_out(db_session, centre.code, language_of(request))

    @patch("/{code:str}", guards=[requires_staff], summary="Change a centre")
    async def update_centre(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.CentrePatch],
    ) -> s.CentreOut:
        """Staff only; 404 for an unknown centre. A field left out is unchanged."""
        await admin.update_centre(uow, request.user, code, data, now)
        return await _centre_out(db_session, code, language_of(request))

    @post("/{code:str}/unit-types", guards=[requires_staff], summary="Add a unit type to a centre")
    async def create_unit_type(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.UnitTypeIn],
    ) -> s.UnitTypeSummary:
        """Staff only. 409 for a code the centre already has."""
        unit_type = await admin.create_unit_type(uow, request.user, code, data, now)
        return unit_type_out(unit_type, 0, "fr")

    @patch("/{code:str}/unit-types/{type_code:str}", guards=[requires_staff], summary="Change a unit type")
    async def update_unit_type(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        type_code: FromPath[str],
        data: JSONBody[c.UnitTypePatch],
    ) -> s.UnitTypeSummary:
        """Staff only; 404 for an unknown centre or unit type."""
        unit_type = await admin.update_unit_type(uow, request.user, code, type_code, data, now)
        return unit_type_out(unit_type, (await _unit_counts(db_session)).get(unit_type.id, 0), "fr")

    @get("/{code:str}/units", guards=[requires_staff], summary="List a centre's units")
    async def list_units(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> list[s.UnitOut]:
        """Staff only: each unit with its type and periods out of service."""
        return [unit_out(u) for u in await admin.list_units(db_session, code)]

    @post("/{code:str}/units", guards=[requires_staff], summary="Add a unit")
    async def create_unit(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.UnitIn],
    ) -> s.UnitOut:
        """Staff only. 409 for a number the centre already has."""
        return unit_out(await admin.create_unit(uow, request.user, code, data, now))

    @patch("/{code:str}/units/{number:str}", guards=[requires_staff], summary="Change a unit's type")
    async def update_unit(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        number: FromPath[str],
        data: JSONBody[c.UnitPatch],
    ) -> s.UnitOut:
        """Staff only; 404 for an unknown unit."""
        return unit_out(await admin.update_unit(uow, request.user, code, number, data, now))

    @post(
        "/{code:str}/units/{number:str}/closures",
        guards=[requires_staff],
        summary="Take a unit out of service",
    )
    async def add_closure(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        number: FromPath[str],
        data: JSONBody[c.ClosureIn],
    ) -> s.UnitOut:
        """Staff only: the unit is out of service from `starts_on` to `ends_on`; 422 unless it ends after
        it starts."""
        return unit_out(await admin.add_closure(uow, request.user, code, number, data, now))


class SeasonController(Controller):
    path = "/api"
    tags = ["inventory"]
    guards = [requires_staff]

    @get("/seasons", summary="List seasons")
    async def list_seasons(self, db_session: NamedDependency[AsyncSession]) -> list[s.SeasonOut]:
        """Staff only, with their stay rules and rotations."""
        return [season_out(season, code) for season, code in await admin.list_seasons(db_session)]

    @post("/seasons", summary="Create a season with its stay rules and rotations")
    async def create_season(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.SeasonIn],
    ) -> s.SeasonOut:
        """Staff only. 409 for a code taken; 422 for dates, nights or rotations that do not hold together
        (the field is named)."""
        season = await admin.create_season(uow, request.user, data, now)
        return season_out(season, data.centre)

    @patch("/seasons/{code:str}", summary="Change a season")
    async def update_season(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.SeasonPatch],
    ) -> s.SeasonOut:
        """Staff only; 404 for an unknown season. A field left out is unchanged."""
        season = await admin.update_season(uow, request.user, code, data, now)
        centre = await db_session.get(Centre, season.centre_id) if season.centre_id else None
        return season_out(season, centre.code if centre else None)

    @get("/tariffs", summary="List tariffs")
    async def list_tariffs(self, db_session: NamedDependency[AsyncSession]) -> list[c.TariffIO]:
        """Staff only: every nightly price by season, centre, unit type and member category."""
        return await admin.list_tariffs(db_session)

    @put("/tariffs", summary="Set the nightly tariff of a season, unit type and member category")
    async def put_tariff(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.TariffIO],
    ) -> c.TariffIO:
        """Staff only. Sets (or replaces) one price; 422 for a season of another centre."""
        await admin.put_tariff(uow, request.user, data, now)
        return data

    @get("/quotas", summary="List quotas")
    async def list_quotas(self, db_session: NamedDependency[AsyncSession]) -> list[c.QuotaIO]:
        """Staff only."""
        return await admin.list_quotas(db_session)

    @put("/quotas", summary="Set the quota of a season, unit type and member category")
    async def put_quota(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.QuotaIO],
    ) -> c.QuotaIO:
        """Staff only. Give exactly one of `units` and `share_bp` (422 otherwise)."""
        await admin.put_quota(uow, request.user, data, now)
        return data
