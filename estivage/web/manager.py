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
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from access.services import inside_by_party, on_site_now
from accounts.domain.identity import STAFF, Identity
from accounts.guards import requires_manager_or_staff
from accounts.models import Member
from booking.models import Booking, PartyMember
from booking.party import parties_of
from estivage.web.common import STAYS, Errors, language, page, parse_date
from estivage.web.error_words import error_text
from estivage.web.gates import gate_lines, override_lines
from estivage.web.names import load_names
from estivage.web.on_site import member_name, people_on_site
from inventory.domain.calendar import local_today, season_of
from inventory.models import Centre, StayNight, Unit
from inventory.occupancy import NightOccupancy, occupancy
from inventory.repository import centre_by_code
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.db import session_factory
from kernel.errors import RuleViolation

POLL_SECONDS = 2.0
STREAM_SECONDS = 30 * 60
DEFAULT_NIGHTS = 14


@dataclass(frozen=True, slots=True)
class Movement:
    unit: str
    name: str
    guests: int
    # The people the member named with them (booking.party).
    party: tuple[PartyMember, ...] = ()


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
class Chart:
    width: int
    height: int
    bars: list[Bar]
    persons_points: str
    max_units: int
    max_persons: int


def chart(nights: list[NightOccupancy], width: int = 640, height: int = 220) -> Chart:
    """Bars for units (in service, taken), a line for persons; both scaled to the chart's height."""
    left, top, bottom = 4, 10, 24
    plot_h = height - top - bottom
    max_units = max([n.units_total for n in nights] + [1])
    max_persons = max([n.guests for n in nights] + [1])
    step = (width - 2 * left) / max(len(nights), 1)
    bars, points = [], []
    for i, n in enumerate(nights):
        x = left + i * step
        cap_h = plot_h * n.units_total / max_units
        used_h = plot_h * n.units_occupied / max_units
        base = top + plot_h
        bars.append(
            Bar(
                round(x + step * 0.1, 1),
                round(step * 0.8, 1),
                round(base - cap_h, 1),
                round(cap_h, 1),
                round(base - used_h, 1),
                round(used_h, 1),
                n,
            )
        )
        points.append(f"{x + step / 2:.1f},{base - plot_h * n.guests / max_persons:.1f}")
    return Chart(width, height, bars, " ".join(points), max_units, max_persons)


async def movements(
    session: AsyncSession, centre_id: int, today: date, arriving: bool, arabic: bool
) -> list[Movement]:
    day_column = Booking.arrival if arriving else Booking.departure
    rows = (
        await session.execute(
            select(Booking.id, Booking.guests, Unit.number, Member)
            .join(Unit, Unit.id == Booking.unit_id)
            .join(Member, Member.user_id == Booking.member_id)
            .where(Booking.centre_id == centre_id, day_column == today, Booking.status.in_(STAYS))
            .order_by(Unit.number)
        )
    ).all()
    named = await parties_of(session, [booking_id for booking_id, *_ in rows])
    return [
        Movement(number, member_name(m, arabic), guests, tuple(named.get(booking_id, ())))
        for booking_id, guests, number, m in rows
    ]


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

        async def _range(
            self, request: Request[Identity, Any, Any], today: date, errors: Errors
        ) -> tuple[date, date]:
            lang = language(request)
            first_text = request.query_params.get("from")
            last_text = request.query_params.get("to")
            first = parse_date(first_text, "from", errors, lang) if first_text else today
            last = parse_date(last_text, "to", errors, lang) if last_text else None
            first = first or today
            return first, last or first + timedelta(days=DEFAULT_NIGHTS - 1)

        @get("/{code:str}")
        async def centre(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            now: NamedDependency[datetime],
            code: FromPath[str],
        ) -> Template:
            request.user.require_centre(code)
            view = await centre_view(db_session, code)
            today = local_today(now, view.time_zone)
            errors: Errors = {}
            lang = language(request)
            first, last = await self._range(request, today, errors)
            nights: list[NightOccupancy] = []
            if not errors:
                try:
                    nights = await occupancy(db_session, code, first, last, now)
                except RuleViolation as error:
                    errors[error.field or "to"] = error_text(lang, error)
            arabic = lang == "ar"
            inside = await inside_by_party(db_session, view.id, now)  # the count and the list, one read
            return page(
                request,
                "manage_centre.html",
                status_code=422 if errors else 200,
                centre=view,
                first=first,
                last=last,
                today=today,
                nights=nights,
                chart=chart(nights),
                arrivals=await movements(db_session, view.id, today, True, arabic),
                departures=await movements(db_session, view.id, today, False, arabic),
                on_site=sum(party.persons for party in inside.values()),
                present=await people_on_site(db_session, inside, arabic, ZoneInfo(view.time_zone)),
                names=await load_names(db_session, lang),
                quotas=await quota_use(db_session, view, today, now),
                gate_lines=await gate_lines(db_session, now, view.id),
                override_lines=await override_lines(
                    db_session, view.id, now, ZoneInfo(view.time_zone), arabic
                ),
                errors=errors,
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
            first, last = await self._range(request, local_today(now, view.time_zone), errors)
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
