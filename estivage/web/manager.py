"""Managers' pages (their centres only; staff see every centre): occupancy per night as a chart, arrivals
and departures today with unit numbers, who is on site now (server-sent events), quota use tonight, CSV.

"On site now" is pushed with server-sent events: the stream reads the gate scans every few seconds
(``POLL_SECONDS``) and sends the count when it changes; the browser's EventSource reconnects by itself.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from access.services import inside_by_party, on_site_now
from accounts.domain.identity import STAFF, Identity
from accounts.guards import requires_manager_or_staff
from estivage.web.common import Errors, language, page, parse_date
from estivage.web.desk_day import HOUSEKEEPING, chosen_day, desk_day
from estivage.web.error_words import error_text
from estivage.web.gates import gate_lines, override_lines
from estivage.web.kpis import kpis, trends
from estivage.web.names import load_names
from estivage.web.on_site import people_on_site
from estivage.web.payment_words import PAYMENT_STATUS
from inventory.domain.calendar import local_today, season_of
from inventory.models import Centre, StayNight
from inventory.occupancy import NightOccupancy, occupancy
from inventory.repository import centre_by_code
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.db import session_factory
from kernel.errors import RuleViolation
from payments.receipts import METHOD

POLL_SECONDS = 2.0
STREAM_SECONDS = 30 * 60
DEFAULT_NIGHTS = 14


@dataclass(frozen=True, slots=True)
class QuotaUse:
    unit_type: str
    category: str
    used: int
    limit: int


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    capacity_y: float
    capacity_h: float
    units_y: float
    units_h: float
    night: NightOccupancy


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class XLabel:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Units as bars on the left axis, persons as a line on the right axis: each its own scale, labelled,
    from 0 to its ``*_top``; nights along the bottom axis."""

    width: int
    height: int
    bars: list[Bar]
    persons_points: str
    max_units: int
    max_persons: int
    left: float
    right: float
    top: float
    base: float
    units_ticks: list[Tick]
    persons_ticks: list[Tick]
    x_labels: list[XLabel]


def nice_top(peak: int, steps: int = 4) -> tuple[int, int]:
    """An axis's top and step: whole numbers, the step 1, 2 or 5 times a power of ten, top >= peak."""
    raw = max(peak, 1) / steps
    power = 1
    while power * 10 <= raw:
        power *= 10
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * -(-max(peak, 1) // step), step


def chart(nights: list[NightOccupancy], width: int = 640, height: int = 260) -> Chart:
    """Bars for units (in service, taken) against the left axis; a line for persons against the right
    axis; the nights' dates below (at most eight labels)."""
    left, right, top, bottom = 48.0, width - 48.0, 14.0, height - 44.0
    plot_h = bottom - top
    max_units = max([n.units_total for n in nights] + [1])
    max_persons = max([n.guests for n in nights] + [1])
    units_top, units_step = nice_top(max_units)
    persons_top, persons_step = nice_top(max_persons)
    step = (right - left) / max(len(nights), 1)
    every = -(-len(nights) // 8) or 1
    bars, points, labels = [], [], []
    for i, n in enumerate(nights):
        x = left + i * step
        cap_h = plot_h * n.units_total / units_top
        used_h = plot_h * n.units_occupied / units_top
        bars.append(
            Bar(
                round(x + step * 0.1, 1),
                round(step * 0.8, 1),
                round(bottom - cap_h, 1),
                round(cap_h, 1),
                round(bottom - used_h, 1),
                round(used_h, 1),
                n,
            )
        )
        points.append(f"{x + step / 2:.1f},{bottom - plot_h * n.guests / persons_top:.1f}")
        if i % every == 0:
            labels.append(XLabel(round(x + step / 2, 1), f"{n.night.day:02d}/{n.night.month:02d}"))
    return Chart(
        width,
        height,
        bars,
        " ".join(points),
        max_units,
        max_persons,
        left,
        right,
        top,
        bottom,
        [Tick(v, round(bottom - plot_h * v / units_top, 1)) for v in range(0, units_top + 1, units_step)],
        [
            Tick(v, round(bottom - plot_h * v / persons_top, 1))
            for v in range(0, persons_top + 1, persons_step)
        ],
        labels,
    )


async def quota_use(session: AsyncSession, centre: CentreView, night: date, now: datetime) -> list[QuotaUse]:
    """Per unit type and member category: units taken tonight against the season's quota."""
    season = season_of(night, centre.seasons)
    if season is None:
        return []
    taken = Counter(
        (type_id, category)
        for type_id, category in await session.execute(
            select(StayNight.unit_type_id, StayNight.category).where(
                StayNight.unit_type_id.in_([t.id for t in centre.unit_types]),
                StayNight.night == night,
                or_(StayNight.hold_expires_at.is_(None), StayNight.hold_expires_at > now),
            )
        )
    )
    uses = []
    for unit_type in centre.unit_types:
        for (season_id, type_id, category), rule in sorted(centre.quotas.items(), key=lambda kv: kv[0][2]):
            if season_id == season.id and type_id == unit_type.id:
                limit = rule.limit(len(unit_type.unit_ids))
                uses.append(QuotaUse(unit_type.code, category, taken[(unit_type.id, category)], limit))
    return uses


def night_range(request: Request[Identity, Any, Any], today: date, errors: Errors) -> tuple[date, date]:
    """The chart's nights from ``?from=`` and ``?to=`` (from today, for two weeks, when absent)."""
    lang = language(request)
    first_text = request.query_params.get("from")
    last_text = request.query_params.get("to")
    first = parse_date(first_text, "from", errors, lang) if first_text else today
    last = parse_date(last_text, "to", errors, lang) if last_text else None
    first = first or today
    return first, last or first + timedelta(days=DEFAULT_NIGHTS - 1)


async def centre_page(
    request: Request[Identity, Any, Any],
    session: AsyncSession,
    now: datetime,
    code: str,
    desk_problem: str | None = None,
    status_code: int = 200,
) -> Template:
    """The centre's page for its manager or staff; ``desk_problem``: a desk step refused (its words, and
    ``status_code`` its status)."""
    request.user.require_centre(code)
    view = await centre_view(session, code)
    today = local_today(now, view.time_zone)
    errors: Errors = {}
    lang = language(request)
    first, last = night_range(request, today, errors)
    nights: list[NightOccupancy] = []
    if not errors:
        try:
            nights = await occupancy(session, code, first, last, now)
        except RuleViolation as error:
            errors[error.field or "to"] = error_text(lang, error)
    arabic = lang == "ar"
    desk = await desk_day(request, session, code, chosen_day(request, today, errors), now)
    inside = await inside_by_party(session, view.id, now)  # the count and the list, one read
    return page(
        request,
        "manage_centre.html",
        status_code=status_code if desk_problem else 422 if errors else 200,
        centre=view,
        first=first,
        last=last,
        today=today,
        nights=nights,
        chart=chart(nights),
        desk=desk,
        desk_problem=desk_problem,
        housekeeping_names=HOUSEKEEPING,
        payment_words=PAYMENT_STATUS,
        method_words=METHOD,
        on_site=sum(party.persons for party in inside.values()),
        present=await people_on_site(session, inside, arabic, ZoneInfo(view.time_zone)),
        names=await load_names(session, lang),
        quotas=await quota_use(session, view, today, now),
        gate_lines=await gate_lines(session, now, view.id),
        override_lines=await override_lines(session, view.id, now, ZoneInfo(view.time_zone), arabic),
        errors=errors,
    )


def make_manager_pages(engine: AsyncEngine) -> type[Controller]:
    sessions = session_factory(engine)

    class ManagerPages(Controller):
        path = "/manage"
        guards = [requires_manager_or_staff]
        include_in_schema = False

        @get("/")
        async def index(
            self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
        ) -> Template:
            query = select(Centre).order_by(Centre.name_fr)
            if request.user.role != STAFF:
                query = query.where(Centre.code.in_(request.user.centres))
            return page(request, "manage_index.html", centres=list(await db_session.scalars(query)))

        @get("/{code:str}")
        async def centre(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            now: NamedDependency[datetime],
            code: FromPath[str],
        ) -> Template:
            return await centre_page(request, db_session, now, code)

        @get("/{code:str}/kpis")
        async def centre_kpis(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            now: NamedDependency[datetime],
            code: FromPath[str],
            year: FromQuery[int | None] = None,
        ) -> Template:
            """The year's indicators of this centre alone, for its manager (and staff)."""
            request.user.require_centre(code)
            centre = await centre_by_code(db_session, code)
            scope = frozenset({centre.id})
            figures = await kpis(db_session, now, year, scope)
            return page(
                request,
                "staff_kpis.html",
                names=await load_names(db_session, language(request)),
                charts=await trends(db_session, figures["year"], scope),
                kpi_action=f"/manage/{code}/kpis",
                scope_centre=centre,
                **figures,
            )

        @get("/{code:str}/occupancy.csv")
        async def occupancy_csv(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            now: NamedDependency[datetime],
            code: FromPath[str],
        ) -> Response[str]:
            request.user.require_centre(code)
            view = await centre_view(db_session, code)
            errors: Errors = {}
            first, last = night_range(request, local_today(now, view.time_zone), errors)
            if errors:
                field, message = next(iter(errors.items()))
                raise RuleViolation(ErrorCode.INVALID_DATES, message, field=field)
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["night", "units_total", "units_occupied", "guests"])
            for n in await occupancy(db_session, code, first, last, now):
                writer.writerow([n.night.isoformat(), n.units_total, n.units_occupied, n.guests])
            filename = f"occupancy-{code}-{first}-{last}.csv"
            return Response(
                out.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )

        @get("/{code:str}/on-site")
        async def on_site_stream(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            code: FromPath[str],
        ) -> ServerSentEvent:
            request.user.require_centre(code)
            centre_id = (await centre_by_code(db_session, code)).id
            clock = request.app.state.clock

            async def counts() -> AsyncGenerator[ServerSentEventMessage, None]:
                last: int | None = None
                for _ in range(int(STREAM_SECONDS / POLL_SECONDS)):
                    async with sessions() as session:
                        count = await on_site_now(session, centre_id, clock())
                    if count != last:
                        yield ServerSentEventMessage(data=str(count), event="on-site")
                        last = count
                    await asyncio.sleep(POLL_SECONDS)

            return ServerSentEvent(counts())

    return ManagerPages
