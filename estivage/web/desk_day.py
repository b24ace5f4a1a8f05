"""The desk's day on the manager's page: a chosen day's arrivals and departures with the party's names,
the unit and how the stay was paid (``estivage.desk``), and each unit's housekeeping state; the words of
each step done (``DONE``, flashed after it by ``estivage.web.desk_pages``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from estivage.desk import DeskLine, desk_lines
from estivage.web.common import Errors, language, parse_date
from inventory import housekeeping
from inventory.domain.housekeeping import Housekeeping
from inventory.models import Centre, Unit, UnitType
from kernel.i18n import N_

# The words after each step (the unit's number is put in).
DONE = {
    "checked_in": N_("Checked in: unit %(unit)s."),
    "checked_out": N_("Checked out: unit %(unit)s is to clean."),
    "no_show": N_("Recorded as a no-show: unit %(unit)s."),
    "housekeeping": N_("Unit %(unit)s: housekeeping state saved."),
}
HOUSEKEEPING = {
    Housekeeping.TO_CLEAN: N_("To clean"),
    Housekeeping.CLEAN: N_("Clean"),
    Housekeeping.OUT_OF_SERVICE: N_("Out of service"),
}


@dataclass(frozen=True, slots=True)
class UnitRoom:
    number: str
    unit_type: str
    state: Housekeeping


@dataclass(frozen=True, slots=True)
class DeskDay:
    day: date
    arrivals: list[DeskLine]
    departures: list[DeskLine]
    rooms: list[UnitRoom]


async def rooms_of(session: AsyncSession, code: str) -> list[UnitRoom]:
    """Every unit of the centre with its type's code and its housekeeping state, by number."""
    rows = (
        (
            await session.execute(
                select(Unit.id, Unit.number, UnitType.code)
                .join(Centre, Centre.id == Unit.centre_id)
                .join(UnitType, UnitType.id == Unit.unit_type_id)
                .where(Centre.code == code)
                .order_by(Unit.number)
            )
        )
        .tuples()
        .all()
    )
    found = await housekeeping.states_of(session, [unit_id for unit_id, _n, _t in rows])
    return [UnitRoom(number, type_code, found[unit_id]) for unit_id, number, type_code in rows]


def chosen_day(request: Request[Identity, Any, Any], today: date, errors: Errors) -> date:
    """The desk's day from ``?day=`` (today when absent; a bad one is a field error, and today is shown)."""
    text = request.query_params.get("day")
    if not text:
        return today
    return parse_date(text, "day", errors, language(request)) or today


async def desk_day(
    request: Request[Identity, Any, Any],
    session: AsyncSession,
    code: str,
    day: date,
    now: datetime,
) -> DeskDay:
    return DeskDay(
        day,
        await desk_lines(session, request.user, code, day, "arrivals", now),
        await desk_lines(session, request.user, code, day, "departures", now),
        await rooms_of(session, code),
    )
