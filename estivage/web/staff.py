"""Head-office staff's pages: the year's KPIs, promotions (create, edit, pause; uses and budget spent),
seasons, tariffs and quotas (read-only here), gate devices (the token shown once)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from access import services as access
from access.models import Device
from booking import promotions_admin, ratings
from booking import schemas as s
from booking.models import Booking
from estivage.accounts.models import Member
from estivage.auth import Identity, requires_staff
from estivage.web.common import MAX_WHOLE, Errors, form_errors, language, page, whole_number
from estivage.web.i18n import translate
from inventory import admin
from inventory.domain.calendar import local_today
from inventory.domain.errors import DomainError
from inventory.domain.money import Money
from inventory.models import Centre
from inventory.occupancy import occupancy
from inventory.schemas import QuotaIO, SeasonPatch, TariffIO

FOUNDATION_ZONE = "Africa/Casablanca"
MAX_DEVICE_NAME = 120  # access.models.Device.name
STAYS = ("confirmed", "checked_in", "completed")
MAX_UNITS = MAX_WHOLE // 100  # MAD or percent typed in a form: its hundredths still fit an integer
PROMOTION_FIELDS = (
    "name", "kind", "percent", "amount", "stay_nights", "pay_nights", "code", "centres",
    "stay_from", "stay_until", "min_nights", "max_uses", "budget",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CategoryAccess:
    category: str
    members: int
    with_stay: int

    @property
    def rate(self) -> float:
        return self.with_stay / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class CentreKpi:
    code: str
    name_fr: str
    name_ar: str
    occupancy_rate: float
    revenue: Money


async def kpis(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Stays arriving this calendar year (the foundation's, in Moroccan time); access rate by category;
    satisfaction; occupancy and revenue."""
    year = local_today(now, FOUNDATION_ZONE).year
    first, last = date(year, 1, 1), date(year, 12, 31)
    this_year = (Booking.arrival >= first, Booking.arrival <= last)
    stays = await session.scalar(select(func.count()).where(Booking.status.in_(STAYS), *this_year))
    members = dict(
        (await session.execute(select(Member.category, func.count()).group_by(Member.category)))
        .tuples()
        .all()
    )
    with_stay = dict(
        (
            await session.execute(
                select(Member.category, func.count(func.distinct(Booking.member_id)))
                .join(Member, Member.user_id == Booking.member_id)
                .where(Booking.status.in_(STAYS), *this_year)
                .group_by(Member.category)
            )
        )
        .tuples()
        .all()
    )
    access_rates = [CategoryAccess(c, int(n), int(with_stay.get(c, 0))) for c, n in sorted(members.items())]
    # Money kept: a confirmed stay's total, a cancelled paid stay's total less its refund.
    kept = Booking.total_minor - func.coalesce(Booking.refund_minor, 0)
    revenue = dict(
        (
            await session.execute(
                select(Booking.centre_id, func.sum(kept))
                .where(Booking.confirmed_at.is_not(None), *this_year)
                .group_by(Booking.centre_id)
            )
        )
        .tuples()
        .all()
    )
    centres = []
    for centre in await session.scalars(select(Centre).order_by(Centre.name_fr)):
        nights = await occupancy(session, centre.code, first, last, now)
        total = sum(n.units_total for n in nights)
        taken = sum(n.units_occupied for n in nights)
        centres.append(
            CentreKpi(
                centre.code,
                centre.name_fr,
                centre.name_ar,
                taken / total if total else 0.0,
                Money(int(revenue.get(centre.id) or 0)),
            )
        )
    return {
        "year": year,
        "stays": int(stays or 0),
        "access": access_rates,
        "satisfaction": await ratings.satisfaction(session),
        "centres": centres,
    }


class FieldError(ValueError):
    """A form value that is not a number or a date: shown next to its field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: not a valid value")
        self.field = field


def hundredths(form: dict[str, str], key: str) -> int | None:
    """ "12.5" (MAD or %) as 1250 (centimes or basis points), read as a decimal, never a float; None
    when empty. More than two decimals, "inf", "nan" or a number beyond any price is a field error."""
    text = form.get(key, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FieldError(key) from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -2 or abs(value) > MAX_UNITS:
        raise FieldError(key)
    return int(value * 100)


def whole(form: dict[str, str], key: str) -> int | None:
    text = form.get(key, "").strip()
    if not text:
        return None
    try:
        return whole_number(text)
    except ValueError:
        raise FieldError(key) from None


def day_of(form: dict[str, str], key: str) -> date | None:
    text = form.get(key, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(key) from None


def promotion_data(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's PromotionIn body (percent and money in the units people type)."""
    data: dict[str, Any] = {"name": form.get("name", "").strip(), "kind": form.get("kind", "")}
    if (percent := hundredths(form, "percent")) is not None:
        data["percent_bp"] = percent
    for key in ("amount", "budget"):
        if (minor := hundredths(form, key)) is not None:
            data[key] = {"amount_minor": minor}
    for key in ("stay_nights", "pay_nights", "min_nights", "max_uses"):
        if (number := whole(form, key)) is not None:
            data[key] = number
    for key in ("stay_from", "stay_until"):
        if (when := day_of(form, key)) is not None:
            data[key] = when.isoformat()
    if form.get("code", "").strip():
        data["code"] = form["code"].strip()
    data["centres"] = [c.strip() for c in form.get("centres", "").split(",") if c.strip()]
    return data


def promotion_patch(form: dict[str, str]) -> s.PromotionPatch:
    """The edit form as a PromotionPatch, held to the same limits as a new promotion (PromotionIn): the
    patch schema itself has none, and a Struct built by its constructor is not validated at all."""
    data: dict[str, Any] = {"exclusive": form.get("exclusive") == "on"}
    if name := form.get("name", "").strip():
        data["name"] = name
    if (max_uses := whole(form, "max_uses")) is not None:
        data["max_uses"] = max_uses
    if (budget := hundredths(form, "budget")) is not None:
        data["budget"] = {"amount_minor": budget}
    if (stay_until := day_of(form, "stay_until")) is not None:
        data["stay_until"] = stay_until.isoformat()
    limits = {k: v for k, v in data.items() if k in {"name", "max_uses", "budget"}}
    msgspec.convert({"name": "-", "kind": "percentage", "percent_bp": 1, **limits}, s.PromotionIn)
    return msgspec.convert(data, s.PromotionPatch)


_FORM_NAME = {"percent_bp": "percent", "amount": "amount", "budget": "budget", "share_bp": "share"}


def validation_errors(error: Exception, lang: str = "fr") -> Errors:
    """msgspec's message names the field as `$.field`; show it next to that field."""
    if isinstance(error, FieldError):
        return {error.field: translate(lang, "error.invalid")}
    message = str(error)
    found = re.search(r"`\$\.([a-z_]+)", message)
    field = found.group(1) if found else "name"
    return {_FORM_NAME.get(field, field): message.split(" - at ", maxsplit=1)[0]}


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
    ) -> Template:
        return page(request, "staff_kpis.html", **await kpis(db_session, now))

    async def _promotions_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        errors: Errors | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        rows = await promotions_admin.promotions_with_usage(session, now)
        return page(
            request,
            "staff_promotions.html",
            status_code=422 if errors else 200,
            rows=rows,
            errors=errors or {},
            values=values or {"kind": "percentage", "min_nights": "1"},
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
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        values = {k: str(form.get(k) or "") for k in PROMOTION_FIELDS}
        try:
            data = msgspec.convert(promotion_data(values), s.PromotionIn)
            await promotions_admin.create_promotion(db_session, data)
            await db_session.commit()
        except (msgspec.ValidationError, ValueError) as error:
            return await self._promotions_page(
                request, db_session, now, validation_errors(error, language(request)), values
            )
        except DomainError as error:
            await db_session.rollback()
            return await self._promotions_page(request, db_session, now, form_errors(request, error), values)
        return Redirect("/staff/promotions", status_code=303)

    @get("/promotions/{promotion_id:int}")
    async def edit_promotion(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
    ) -> Template:
        await promotions_admin.get_promotion(db_session, promotion_id)
        [(promotion, usage)] = await promotions_admin.promotions_with_usage(db_session, now, promotion_id)
        return page(request, "staff_promotion.html", p=promotion, usage=usage)

    @post("/promotions/{promotion_id:int}", status_code=303)
    async def update_promotion(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
    ) -> Response[Any]:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            if "paused" in form and len(form) <= 2:  # the pause / resume button (with the CSRF field)
                patch = s.PromotionPatch(paused=form["paused"] == "1")
            else:
                patch = promotion_patch(form)
            await promotions_admin.update_promotion(db_session, promotion_id, patch)
            await db_session.commit()
        except (ValueError, DomainError) as error:
            await db_session.rollback()
            await promotions_admin.get_promotion(db_session, promotion_id)
            [(promotion, usage)] = await promotions_admin.promotions_with_usage(db_session, now, promotion_id)
            errors = (
                form_errors(request, error)
                if isinstance(error, DomainError)
                else validation_errors(error, language(request))
            )
            return page(
                request, "staff_promotion.html", status_code=422, p=promotion, usage=usage, errors=errors
            )
        return Redirect("/staff/promotions", status_code=303)

    async def _config_page(
        self, request: Request[Identity, Any, Any], session: AsyncSession, **values: Any
    ) -> Template:
        return page(
            request,
            "staff_config.html",
            status_code=422 if values.get("errors") else 200,
            seasons=await admin.list_seasons(session),
            tariffs=await admin.list_tariffs(session),
            quotas=await admin.list_quotas(session),
            centres=list(await session.scalars(select(Centre).order_by(Centre.name_fr))),
            **values,
        )

    @get("/config")
    async def config(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._config_page(request, db_session)

    @post("/config/{what:str}", status_code=303)
    async def set_config(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        what: FromPath[str],
    ) -> Response[Any]:
        """Set one tariff (nightly price) or one quota (units, or a share in %), as PUT /api/tariffs and
        /api/quotas do, or change a season's dates and stay lengths (PATCH /api/seasons/{code}); the
        problem is shown next to its field in the form that was sent."""
        form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "_csrf_token"}
        key = {k: form.get(k, "") for k in ("season", "centre", "unit_type", "category")}
        try:
            if what == "tariff":
                minor = hundredths(form, "nightly")
                nightly = {"amount_minor": minor} if minor is not None else None
                await admin.put_tariff(db_session, msgspec.convert({**key, "nightly": nightly}, TariffIO))
            elif what == "quota":
                quota: dict[str, Any] = dict(key)
                if (units := whole(form, "units")) is not None:
                    quota["units"] = units
                if (share := hundredths(form, "share")) is not None:
                    quota["share_bp"] = share
                await admin.put_quota(db_session, msgspec.convert(quota, QuotaIO))
            elif what == "season":
                changes: dict[str, Any] = {}
                for name in ("starts_on", "ends_on"):
                    if (when := day_of(form, name)) is not None:
                        changes[name] = when.isoformat()
                for name in ("min_nights", "max_nights"):
                    if (nights := whole(form, name)) is not None:
                        changes[name] = nights
                await admin.update_season(db_session, key["season"], msgspec.convert(changes, SeasonPatch))
            else:
                return await self._config_page(request, db_session)
            await db_session.commit()
        except (msgspec.ValidationError, ValueError) as error:
            errors = validation_errors(error, language(request))
            return await self._config_page(request, db_session, errors={what: errors}, form=form)
        except DomainError as error:
            await db_session.rollback()
            found = form_errors(request, error)
            errors = {k or "season": v for k, v in found.items()}
            return await self._config_page(request, db_session, errors={what: errors}, form=form)
        return Redirect("/staff/config", status_code=303)

    async def _devices_page(
        self, request: Request[Identity, Any, Any], session: AsyncSession, **values: Any
    ) -> Template:
        rows = await session.execute(
            select(Device, Centre.code)
            .join(Centre, Centre.id == Device.centre_id)
            .order_by(Device.created_at)
        )
        centres = list(await session.scalars(select(Centre).order_by(Centre.name_fr)))
        status = 422 if values.get("errors") else 200
        return page(
            request, "staff_devices.html", status_code=status, devices=rows.all(), centres=centres, **values
        )

    @get("/devices")
    async def devices(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._devices_page(request, db_session)

    @post("/devices")
    async def create_device(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        """The token is in this one answer only (the database keeps its hash)."""
        form = await request.form()
        name, centre = str(form.get("name") or "").strip(), str(form.get("centre") or "")
        if not name or len(name) > MAX_DEVICE_NAME or "\x00" in name:
            problem = translate(language(request), "error.invalid" if name else "error.required")
            return await self._devices_page(request, db_session, errors={"name": problem})
        try:
            device, token = await access.create_device(db_session, centre, name, now)
            await db_session.commit()
        except DomainError as error:
            await db_session.rollback()
            return await self._devices_page(request, db_session, errors=form_errors(request, error))
        return await self._devices_page(request, db_session, created=device, token=token)
