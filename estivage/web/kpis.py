"""The staff's indicators for one calendar year (the foundation's, in Moroccan time): stays, access rate
by member category, satisfaction, and per centre the occupancy rate and the revenue.

Read-only queries over the booking, rating and inventory tables. Occupancy here is what was sold, not
what the managers must keep free: nights of stays confirmed onwards (an unpaid hold is not a stay) over
the unit-nights the centre was open (a night in no season or in a closed season is no capacity, and
neither is a unit's closure).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import STAFF, Identity
from accounts.guards import requires_manager_or_staff
from accounts.models import Member
from booking.domain import states
from booking.models import Booking
from booking.ratings import QUESTIONS, Satisfaction, StayRating
from estivage.web.common import STAYS
from estivage.web.kpi_access import Access, AccessFigures, access_figures
from inventory.domain.calendar import SeasonKind, local_today, season_of
from inventory.models import Centre, StayNight
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.errors import NotFound, RuleViolation
from kernel.http.schemas import money_out
from kernel.money import MAD, Money, decimal_text
from kernel.structs import MoneyOut

FOUNDATION_ZONE = "Africa/Casablanca"
# The centres whose figures are counted (their ids): None for every centre (staff), a manager's otherwise.
Scope = frozenset[int] | None
NO_RATINGS = Satisfaction(0, None, dict.fromkeys(QUESTIONS))
NO_ACCESS = Access(0, 0)


@dataclass(frozen=True, slots=True)
class CategoryAccess:
    """A category's members, those of them who asked for a stay in the year, and those who got one."""

    category: str
    members: int
    with_stay: int
    asked: int = 0

    @property
    def rate(self) -> float:
        return self.with_stay / self.asked if self.asked else 0.0


@dataclass(frozen=True, slots=True)
class CentreKpi:
    code: str
    name_fr: str
    name_ar: str
    occupancy_rate: float
    revenue: Money
    nights_sold: int = 0
    nights_open: int = 0
    satisfaction: Satisfaction = NO_RATINGS
    access: Access = NO_ACCESS
    benefits: int = 0


def open_unit_nights(centre: CentreView, first: date, last: date) -> dict[date, int]:
    """Units in service on each night the centre is open (a season covers it, not a closed one)."""
    units = [u for t in centre.unit_types for u in t.unit_ids]
    open_nights = {}
    for i in range((last - first).days + 1):
        night = first + timedelta(days=i)
        season = season_of(night, centre.seasons)
        if season is None or season.kind == SeasonKind.CLOSED:
            continue
        open_nights[night] = sum(
            1 for u in units if not any(start <= night < end for start, end in centre.closures.get(u, ()))
        )
    return open_nights


async def stay_nights(session: AsyncSession, centre: CentreView, first: date, last: date) -> Counter[date]:
    """Units taken per night by stays confirmed onwards."""
    rows = await session.execute(
        select(StayNight.night, func.count())
        .join(Booking, Booking.id == StayNight.booking_id)
        .where(
            StayNight.unit_type_id.in_([t.id for t in centre.unit_types]),
            StayNight.night >= first,
            StayNight.night <= last,
            Booking.status.in_(STAYS),
        )
        .group_by(StayNight.night)
    )
    return Counter({night: int(count) for night, count in rows})


async def occupancy(session: AsyncSession, centre: CentreView, first: date, last: date) -> tuple[int, int]:
    """Unit-nights sold and unit-nights open."""
    capacity = open_unit_nights(centre, first, last)
    taken = await stay_nights(session, centre, first, last)
    sold = sum(min(taken[night], units) for night, units in capacity.items())
    return sold, sum(capacity.values())


async def occupancy_rate(session: AsyncSession, centre: CentreView, first: date, last: date) -> float:
    sold, total = await occupancy(session, centre, first, last)
    return sold / total if total else 0.0


def _averaged(count: int, average: Any, *answers: Any) -> Satisfaction:
    def rounded(value: Any) -> float | None:
        return round(float(value), 2) if value is not None else None

    return Satisfaction(
        int(count), rounded(average), dict(zip(QUESTIONS, map(rounded, answers), strict=True))
    )


RATED = (
    func.count(StayRating.booking_id),
    func.avg(StayRating.score),
    *(func.avg(getattr(StayRating, q)) for q in QUESTIONS),
)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Bookings at the centres counted."""
    return true() if scope is None else Booking.centre_id.in_(scope)


async def satisfaction(session: AsyncSession, first: date, last: date, scope: Scope = None) -> Satisfaction:
    """Ratings of the stays that arrived in the year (the stays the page counts): the overall score and
    each question's (a rating given before the questions has its overall score only)."""
    row = (
        await session.execute(
            select(*RATED)
            .join(Booking, Booking.id == StayRating.booking_id)
            .where(Booking.arrival >= first, Booking.arrival <= last, in_scope(scope))
        )
    ).one()
    return _averaged(*row)


async def satisfaction_by_centre(session: AsyncSession, first: date, last: date) -> dict[int, Satisfaction]:
    """As ``satisfaction``, per centre."""
    rows = await session.execute(
        select(StayRating.centre_id, *RATED)
        .join(Booking, Booking.id == StayRating.booking_id)
        .where(Booking.arrival >= first, Booking.arrival <= last)
        .group_by(StayRating.centre_id)
    )
    return {centre_id: _averaged(*figures) for centre_id, *figures in rows.tuples()}


async def access_by_category(session: AsyncSession, figures: AccessFigures) -> list[CategoryAccess]:
    """Per category of the roster: its members, those who asked for a stay, those who got one."""
    members = dict(
        (await session.execute(select(Member.category, func.count()).group_by(Member.category)))
        .tuples()
        .all()
    )
    return [
        CategoryAccess(
            c, int(n), figures.by_category.get(c, NO_ACCESS).got, figures.by_category.get(c, NO_ACCESS).asked
        )
        for c, n in sorted(members.items())
    ]


async def revenue_by_centre(session: AsyncSession, first: date, last: date) -> dict[int, Money]:
    """Money kept: a confirmed stay's total, a cancelled paid stay's total less its refund."""
    kept = Booking.total_minor - func.coalesce(Booking.refund_minor, 0)
    rows = await session.execute(
        select(Booking.centre_id, func.sum(kept))
        .where(Booking.confirmed_at.is_not(None), Booking.arrival >= first, Booking.arrival <= last)
        .group_by(Booking.centre_id)
    )
    return {centre_id: Money(int(total or 0), MAD) for centre_id, total in rows}


# Benefits: stays actually taken (the member arrived), whatever happened after.
TAKEN = (states.BookingStatus.CHECKED_IN, states.BookingStatus.CHECKED_OUT)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_of(now: datetime, year: int | None) -> int:
    """The year asked for, or this one in the foundation's time; outside 2000-2100 is bad input."""
    if year is None:
        return local_today(now, FOUNDATION_ZONE).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise RuleViolation(ErrorCode.YEAR_OUT_OF_RANGE, "The year must be between 2000 and 2100.", "year")
    return year


async def benefits(session: AsyncSession, first: date, last: date, scope: Scope = None) -> int:
    """Stays arriving in the year that were actually taken (checked in, or in and out)."""
    count = await session.scalar(
        select(func.count()).where(
            Booking.status.in_(TAKEN), Booking.arrival >= first, Booking.arrival <= last, in_scope(scope)
        )
    )
    return int(count or 0)


async def benefits_by_centre(session: AsyncSession, first: date, last: date) -> dict[int, int]:
    """As ``benefits``, per centre (a centre without a stay taken is absent)."""
    rows = await session.execute(
        select(Booking.centre_id, func.count())
        .where(Booking.status.in_(TAKEN), Booking.arrival >= first, Booking.arrival <= last)
        .group_by(Booking.centre_id)
    )
    return {centre_id: int(count) for centre_id, count in rows.tuples()}


async def scope_of(session: AsyncSession, caller: Identity) -> Scope:
    """Every centre for staff; for a manager, the centres they manage (whatever they ask for)."""
    if caller.role == STAFF:
        return None
    return frozenset(await session.scalars(select(Centre.id).where(Centre.code.in_(caller.centres))))


async def kpis(
    session: AsyncSession, now: datetime, year: int | None = None, scope: Scope = None
) -> dict[str, Any]:
    """Stays arriving in the calendar year (this one unless given); benefits (stays taken); access rate by
    category; satisfaction; occupancy and revenue per centre. Only the centres of ``scope`` count (a
    manager's): the year's figures are theirs, not the foundation's."""
    year = year_of(now, year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    stays = await session.scalar(
        select(func.count()).where(
            Booking.status.in_(STAYS), Booking.arrival >= first, Booking.arrival <= last, in_scope(scope)
        )
    )
    revenue = await revenue_by_centre(session, first, last)
    ratings = await satisfaction_by_centre(session, first, last)
    taken = await benefits_by_centre(session, first, last)
    asked = await access_figures(session, first, last, scope)
    centres = []
    codes = select(Centre.code).order_by(Centre.name_fr)
    if scope is not None:
        codes = codes.where(Centre.id.in_(scope))
    for code in await session.scalars(codes):
        view = await centre_view(session, code)
        sold, total = await occupancy(session, view, first, last)
        rate = sold / total if total else 0.0
        centres.append(
            CentreKpi(
                view.code,
                view.name_fr,
                view.name_ar,
                rate,
                revenue.get(view.id, Money(0, MAD)),
                sold,
                total,
                ratings.get(view.id, NO_RATINGS),
                asked.by_centre.get(view.id, NO_ACCESS),
                taken.get(view.id, 0),
            )
        )
    return {
        "year": year,
        "stays": int(stays or 0),
        "benefits": await benefits(session, first, last, scope),
        "access": await access_by_category(session, asked),
        "access_overall": asked.overall,
        "satisfaction": await satisfaction(session, first, last, scope),
        "centres": centres,
    }


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart drawn in a 320 x 180 box: one x axis (years) and one y axis (0 to ``top``)."""

    bars: tuple[Bar, ...]
    top: float
    left: float = 40
    bottom: float = 150
    right: float = 310


def bar_chart(points: list[tuple[str, float]]) -> Chart:
    top = max((v for _, v in points), default=0) or 1
    left, bottom, right, gap = 40.0, 150.0, 310.0, 8.0
    step = (right - left) / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        height = (bottom - 20) * value / top
        bars.append(Bar(label, value, left + i * step + gap / 2, bottom - height, step - gap, height))
    return Chart(tuple(bars), top)


async def trends(session: AsyncSession, year: int, scope: Scope = None, years: int = 5) -> dict[str, Chart]:
    """Benefits and revenue (MAD) over the last ``years`` calendar years up to ``year``, at the centres
    of ``scope``."""
    taken, kept = [], []
    revenue = Booking.total_minor - func.coalesce(Booking.refund_minor, 0)
    for y in range(year - years + 1, year + 1):
        first, last = date(y, 1, 1), date(y, 12, 31)
        taken.append((str(y), float(await benefits(session, first, last, scope))))
        minor = await session.scalar(
            select(func.sum(revenue)).where(
                Booking.confirmed_at.is_not(None),
                Booking.arrival >= first,
                Booking.arrival <= last,
                in_scope(scope),
            )
        )
        kept.append((str(y), int(minor or 0) / 100))
    return {"benefits": bar_chart(taken), "revenue": bar_chart(kept)}


def satisfaction_out(rating: Satisfaction) -> dict[str, Any]:
    return {"count": rating.count, "average": rating.average, "questions": dict(rating.questions)}


def api_figures(figures: dict[str, Any], centre: str | None) -> dict[str, Any]:
    """The contract's shape: the year's figures, the centres' narrowed to one when asked."""
    centres: list[CentreKpi] = figures["centres"]
    if centre is not None:
        centres = [c for c in centres if c.code == centre]
        if not centres:
            raise NotFound(ErrorCode.CENTRE_NOT_FOUND, "No such centre.", "centre")
    access: list[CategoryAccess] = figures["access"]
    overall: Access = figures["access_overall"]
    sold, total = sum(c.nights_sold for c in centres), sum(c.nights_open for c in centres)
    rating: Satisfaction = figures["satisfaction"]
    return {
        "year": figures["year"],
        "benefits": figures["benefits"],
        "stays": figures["stays"],
        "access_rate": round(overall.rate, 4),
        "access": {"asked": overall.asked, "with_stay": overall.got},
        "access_by_category": [
            {
                "category": a.category,
                "members": a.members,
                "asked": a.asked,
                "with_stay": a.with_stay,
                "rate": round(a.rate, 4),
            }
            for a in access
        ],
        "satisfaction": satisfaction_out(rating),
        "occupancy_rate": round(sold / total, 4) if total else 0.0,
        "revenue": money_out(Money(sum(c.revenue.amount_minor for c in centres), MAD)),
        "by_centre": [
            {
                "centre": c.code,
                "benefits": c.benefits,
                "occupancy_rate": round(c.occupancy_rate, 4),
                "nights_sold": c.nights_sold,
                "nights_open": c.nights_open,
                "revenue": money_out(c.revenue),
                "satisfaction": satisfaction_out(c.satisfaction),
                "access_rate": round(c.access.rate, 4),
                "access": {"asked": c.access.asked, "with_stay": c.access.got},
            }
            for c in centres
        ],
    }


def mad(money: MoneyOut) -> str:
    """A CSV cell in MAD: the plain decimal a spreadsheet reads, not the pages' ``1 250,00 MAD``."""
    return decimal_text(money.amount_minor)


def csv_of(figures: dict[str, Any]) -> str:
    """One row per centre, then the year's totals (revenue in MAD, rates as fractions, satisfaction overall
    and per question out of 5, empty when no rating)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["year", "centre", "benefits", "access_rate", "occupancy_rate", "revenue_mad", "satisfaction"]
        + [f"satisfaction_{q}" for q in QUESTIONS]
    )

    def rated(satisfaction: dict[str, Any]) -> list[Any]:
        def cell(value: float | None) -> Any:
            return "" if value is None else value

        return [cell(satisfaction["average"])] + [cell(satisfaction["questions"][q]) for q in QUESTIONS]

    for c in figures["by_centre"]:
        writer.writerow(
            [
                figures["year"],
                c["centre"],
                c["benefits"],
                c["access_rate"],
                c["occupancy_rate"],
                mad(c["revenue"]),
                *rated(c["satisfaction"]),
            ]
        )
    writer.writerow(
        [
            figures["year"],
            "",
            figures["benefits"],
            figures["access_rate"],
            figures["occupancy_rate"],
            mad(figures["revenue"]),
            *rated(figures["satisfaction"]),
        ]
    )
    return out.getvalue()


async def caller_figures(
    request: Request[Identity, Any, Any],
    session: AsyncSession,
    now: datetime,
    year: int | None,
    centre: str | None,
) -> dict[str, Any]:
    """The figures the caller may read: staff every centre's; a manager their centres' only (asking for
    another centre is 403, whatever its figures)."""
    if centre is not None and request.user.role != STAFF:
        request.user.require_centre(centre)
    scope = await scope_of(session, request.user)
    return api_figures(await kpis(session, now, year, scope), centre)


class KpiController(Controller):
    """``GET /api/kpis?year=&centre=`` and the same as CSV, for staff and (their centres) managers."""

    path = "/api"
    guards = [requires_manager_or_staff]

    @get("/kpis", summary="The year's figures: benefits, access rate, satisfaction, occupancy, revenue")
    async def figures(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        year: FromQuery[int | None] = None,
        centre: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Staff: the year's benefits, stays, access rate (by member category), satisfaction, occupancy
        rate and revenue, and the same per centre (`centre` narrows to one: 404 for an unknown code).
        A manager: the same figures counted over the centres they manage only (another centre: 403)."""
        return await caller_figures(request, db_session, now, year, centre)

    @get("/kpis.csv", media_type="text/csv; charset=utf-8", summary="The year's figures as CSV")
    async def figures_csv(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        year: FromQuery[int | None] = None,
        centre: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The same figures as GET /api/kpis (and the same rule on who reads which), as a CSV file."""
        figures = await caller_figures(request, db_session, now, year, centre)
        return Response(
            csv_of(figures),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="kpis-{figures["year"]}.csv"'},
        )
