"""Head-office staff's pages: the year's KPIs, promotions (create, edit, pause; uses and budget spent),
seasons (create, change), tariffs and quotas (set one at a time), gate devices (enrol with the token
shown once, revoke).

Each form's problem is shown next to its field under the form's own name for it, or at the top of the
form when no field of the form answers for it (``forms.placed``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import distinct, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from access import services as access
from access.models import Device
from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from accounts.models import Member
from booking import commands as c
from booking import promotions_admin
from estivage.web import error_words as words
from estivage.web.common import Errors, language, page
from estivage.web.flash import say
from estivage.web.forms import FieldError, day_of, form_problems, hundredths, whole
from estivage.web.gates import gate_lines
from estivage.web.kpis import kpis, trends
from estivage.web.names import load_names
from estivage.web.staff_forms import (
    PROMOTION_EDIT_FIELDS,
    PROMOTION_FIELDS,
    SEASON_FIELDS,
    form_values,
    promotion_in,
    promotion_patch,
    promotion_values,
    season_in,
)
from inventory import admin
from inventory.commands import QuotaIO, SeasonPatch, TariffIO
from inventory.models import Centre, Season, Tariff
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.uow import UnitOfWork

MAX_DEVICE_NAME = 120  # access.models.Device.name
CONFIG_FIELDS = {
    "season": ("season", "starts_on", "ends_on", "min_nights", "max_nights"),
    "tariff": ("season", "centre", "unit_type", "category", "nightly"),
    "quota": ("season", "centre", "unit_type", "category", "units", "share"),
    "new-season": SEASON_FIELDS,
}
FORM_ERRORS = (ValueError, DomainError)  # msgspec's ValidationError and FieldError are ValueErrors
# The configuration's pages, one per subject (each in the pages' sub-navigation), and where each form is.
CONFIG_PAGES = {
    "seasons": N_("Seasons and rotations"),
    "tariffs": N_("Tariffs (per night)"),
    "quotas": N_("Quotas"),
}
CONFIG_SUBJECT = {"season": "seasons", "new-season": "seasons", "tariff": "tariffs", "quota": "quotas"}
CONFIG_SAVED = {
    "season": N_("Season saved."),
    "new-season": N_("Season created."),
    "tariff": N_("Tariff saved."),
    "quota": N_("Quota saved."),
}
PROMOTION_SAVED = N_("Promotion saved.")
PROMOTION_CREATED = N_("Promotion created.")
PROMOTION_PAUSED = N_("Promotion paused.")
PROMOTION_RESUMED = N_("Promotion resumed.")
DEVICE_REVOKED = N_("Gate device revoked: its token no longer works.")


def season_name(season: Season, lang: str) -> str:
    return season.name_ar if lang == "ar" and season.name_ar else season.name_fr


async def categories(session: AsyncSession) -> list[str]:
    """The member categories in use (members' and tariffs')."""
    query = union(select(distinct(Member.category)), select(distinct(Tariff.category)))
    return sorted(str(c) for c in await session.scalars(select(query.subquery().c[0])))


class StaffPages(Controller):
    path = "/staff"
    guards = [requires_staff]
    include_in_schema = False

    @get("/")
    async def dashboard(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        year: FromQuery[int | None] = None,
    ) -> Template:
        names = await load_names(db_session, language(request))
        figures = await kpis(db_session, now, year)
        charts = await trends(db_session, figures["year"])
        return page(
            request,
            "staff_kpis.html",
            names=names,
            charts=charts,
            kpi_action="/staff",
            scope_centre=None,
            **figures,
        )

    async def _promotions_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        errors: Errors | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        rows = await promotions_admin.promotions_with_usage(session, now)
        centres = list(await session.scalars(select(Centre).order_by(Centre.name_fr)))
        return page(
            request,
            "staff_promotions.html",
            status_code=422 if errors else 200,
            rows=rows,
            centres=centres,
            names=await load_names(session, language(request)),
            categories=await categories(session),
            errors=errors or {},
            values=values or {"kind": "percentage", "min_nights": "1"},
            subjects=CONFIG_PAGES,
            subject="promotions",
        )

    @get("/promotions")
    async def promotions(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._promotions_page(request, db_session, now)

    @post("/promotions", status_code=303)
    async def create_promotion(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        values = form_values(await request.form(), PROMOTION_FIELDS)
        try:
            await promotions_admin.create_promotion(uow, request.user, promotion_in(values), now)
        except FORM_ERRORS as error:
            errors = form_problems(error, language(request), PROMOTION_FIELDS)
            return await self._promotions_page(request, db_session, now, errors, values)
        say(request, PROMOTION_CREATED)
        return Redirect("/staff/promotions", status_code=303)

    async def _promotion_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        promotion_id: int,
        errors: Errors | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        """The promotion with its uses, and its conditions in a form: as stored, or as sent when refused."""
        await promotions_admin.get_promotion(session, promotion_id)
        [(promotion, usage)] = await promotions_admin.promotions_with_usage(session, now, promotion_id)
        return page(
            request,
            "staff_promotion.html",
            status_code=422 if errors else 200,
            p=promotion,
            usage=usage,
            errors=errors or {},
            values=values or promotion_values(promotion),
            centres=list(await session.scalars(select(Centre).order_by(Centre.name_fr))),
            names=await load_names(session, language(request)),
            categories=await categories(session),
            subjects=CONFIG_PAGES,
            subject="promotions",
        )

    @get("/promotions/{promotion_id:int}")
    async def edit_promotion(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
    ) -> Template:
        return await self._promotion_page(request, db_session, now, promotion_id)

    @post("/promotions/{promotion_id:int}", status_code=303)
    async def update_promotion(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
    ) -> Response[Any]:
        sent = await request.form()
        form = {k: str(v) for k, v in sent.items()}
        pausing = "paused" in form and len(form) <= 2  # the pause / resume button (with the CSRF field)
        try:
            if pausing:
                patch = c.PromotionPatch(paused=form["paused"] == "1")
            else:
                form = form_values(sent, PROMOTION_EDIT_FIELDS)
                patch = promotion_patch(form)
            await promotions_admin.update_promotion(uow, request.user, promotion_id, patch, now)
        except FORM_ERRORS as error:
            errors = form_problems(error, language(request), PROMOTION_EDIT_FIELDS)
            values = None if pausing else form
            return await self._promotion_page(request, db_session, now, promotion_id, errors, values)
        say(
            request, (PROMOTION_PAUSED if patch.paused else PROMOTION_RESUMED) if pausing else PROMOTION_SAVED
        )
        return Redirect(
            "/staff/promotions" if pausing else f"/staff/promotions/{promotion_id}", status_code=303
        )

    async def _config_page(
        self, request: Request[Identity, Any, Any], session: AsyncSession, subject: str, **values: Any
    ) -> Template:
        """One subject's page: its form at the top (with its problems), then what is set."""
        lang = language(request)
        names = await load_names(session, lang)
        seasons = await admin.list_seasons(session)
        centres = list(await session.scalars(select(Centre).order_by(Centre.name_fr)))
        rows: list[Any] = []
        if subject == "tariffs":
            rows = list(await admin.list_tariffs(session))
        elif subject == "quotas":
            rows = list(await admin.list_quotas(session))
        return page(
            request,
            f"staff_config_{subject}.html",
            status_code=422 if values.get("errors") else 200,
            subject=subject,
            subjects=CONFIG_PAGES,
            seasons=seasons,
            rows=rows,
            names=names,
            season_options=[(x.code, season_name(x, lang)) for x, _centre in seasons],
            centre_options=[(x.code, x.name_ar if lang == "ar" else x.name_fr) for x in centres],
            type_options=[(code, names.any_unit_type(code)) for code in names.unit_type_codes()],
            category_options=[(code, names.category(code)) for code in await categories(session)],
            **values,
        )

    @get("/config")
    async def config(self) -> Redirect:
        """The configuration is a page per subject: seasons first."""
        return Redirect("/staff/config/seasons", status_code=303)

    @get("/config/{what:str}")
    async def config_subject(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        what: FromPath[str],
    ) -> Template:
        if what not in CONFIG_PAGES:
            raise NotFoundException()
        return await self._config_page(request, db_session, what)

    @post("/config/{what:str}", status_code=303)
    async def set_config(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        what: FromPath[str],
    ) -> Response[Any]:
        """Set one tariff (nightly price) or one quota (units, or a share in %), as PUT /api/tariffs and
        /api/quotas do; change a season's dates and stay lengths (PATCH /api/seasons/{code}) or create
        one (POST /api/seasons). The problem is shown in the form that was sent, on its subject's page;
        a save is confirmed there once (a flash message)."""
        if what not in CONFIG_FIELDS:
            return Redirect("/staff/config/seasons", status_code=303)
        subject = CONFIG_SUBJECT[what]
        sent = await request.form()
        form = {k: str(v).strip() for k, v in sent.items() if k != "_csrf_token"}
        if what == "new-season":
            form = form_values(sent, SEASON_FIELDS)
        try:
            await _configure(uow, request.user, what, form, now)
        except FORM_ERRORS as error:
            errors = form_problems(error, language(request), CONFIG_FIELDS[what])
            return await self._config_page(
                request, db_session, subject, errors={what: errors}, form={what: form}
            )
        say(request, CONFIG_SAVED[what])
        return Redirect(f"/staff/config/{subject}", status_code=303)

    async def _devices_page(
        self, request: Request[Identity, Any, Any], session: AsyncSession, now: datetime, **values: Any
    ) -> Template:
        rows = await session.execute(
            select(Device, Centre.code)
            .join(Centre, Centre.id == Device.centre_id)
            .order_by(Device.created_at)
        )
        centres = list(await session.scalars(select(Centre).order_by(Centre.name_fr)))
        status = 422 if values.get("errors") else 200
        return page(
            request,
            "staff_devices.html",
            status_code=status,
            devices=rows.all(),
            centres=centres,
            names=await load_names(session, language(request)),
            gate_lines=await gate_lines(session, now),
            with_centre=True,
            **values,
        )

    @get("/devices")
    async def devices(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._devices_page(request, db_session, now)

    @post("/devices")
    async def create_device(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Template:
        """The token is in this one answer only (the database keeps its hash)."""
        form = await request.form()
        name, centre = str(form.get("name") or "").strip(), str(form.get("centre") or "")
        lang = language(request)
        if not name or "\x00" in name:
            problem = translator(lang).gettext(words.INVALID if name else words.REQUIRED)
            return await self._devices_page(request, db_session, now, errors={"name": problem})
        if len(name) > MAX_DEVICE_NAME:
            problem = words.too_long(translator(lang), MAX_DEVICE_NAME)
            return await self._devices_page(request, db_session, now, errors={"name": problem})
        try:
            device, token = await access.create_device(uow, request.user, centre, name, now)
        except DomainError as error:
            errors = form_problems(error, lang, ("centre", "name"))
            return await self._devices_page(request, db_session, now, errors=errors)
        return await self._devices_page(request, db_session, now, created=device, token=token)

    @post("/devices/{device_id:uuid}/revoke", status_code=303)
    async def revoke_device(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        device_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """As DELETE /api/access/devices/{id}: the device's token stops working at once."""
        await access.revoke_device(uow, request.user, device_id, now)
        say(request, DEVICE_REVOKED)
        return Redirect("/staff/devices", status_code=303)


async def _configure(
    uow: UnitOfWork, actor: Identity, what: str, form: dict[str, str], now: datetime
) -> None:
    key = {k: form.get(k, "") for k in ("season", "centre", "unit_type", "category")}
    if what == "tariff":
        minor = hundredths(form, "nightly")
        if minor is None:
            raise FieldError("nightly", words.REQUIRED)
        tariff = msgspec.convert({**key, "nightly": {"amount_minor": minor}}, TariffIO)
        await admin.put_tariff(uow, actor, tariff, now)
    elif what == "quota":
        quota: dict[str, Any] = dict(key)
        if (units := whole(form, "units")) is not None:
            quota["units"] = units
        if (share := hundredths(form, "share")) is not None:
            quota["share_bp"] = share
        await admin.put_quota(uow, actor, msgspec.convert(quota, QuotaIO), now)
    elif what == "season":
        changes: dict[str, Any] = {}
        for name in ("starts_on", "ends_on"):
            if (when := day_of(form, name)) is not None:
                changes[name] = when.isoformat()
        for name in ("min_nights", "max_nights"):
            if (nights := whole(form, name)) is not None:
                changes[name] = nights
        await admin.update_season(uow, actor, key["season"], msgspec.convert(changes, SeasonPatch), now)
    else:
        await admin.create_season(uow, actor, season_in(form), now)
