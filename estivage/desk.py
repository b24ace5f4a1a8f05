"""HTTP for the desk's day (the composition root joins booking and payments here): a centre's arrivals
and departures on a date, with the party's names, the unit, the stay's status and how it was paid; and
each unit's housekeeping state, set by the desk."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff
from accounts.models import Member
from booking.domain import states
from booking.models import Booking
from booking.party import parties_of
from inventory import housekeeping
from inventory.models import Centre, Unit
from inventory.repository import centre_by_code
from kernel.uow import UnitOfWork
from payments.models import Payment

STAYS = tuple(sorted(states.PAID))


class DeskLineOut(msgspec.Struct):
    """A stay on the desk's list for a day: booking, unit, member, party, status and how it was paid."""

    booking_id: uuid.UUID
    unit: str
    member: str
    member_number: str
    guests: int
    status: str
    party: list[str]
    payment: Annotated[str | None, msgspec.Meta(description="card, cmi, payroll, free…; null: none")] = None
    housekeeping: str = "clean"


class UnitStateOut(msgspec.Struct):
    """A unit's housekeeping state (to clean, clean or out of service)."""

    unit: str
    state: str


class HousekeepingIn(msgspec.Struct, forbid_unknown_fields=True):
    """The housekeeping state to set: to_clean, clean or out_of_service."""

    state: Literal["to_clean", "clean", "out_of_service"]


async def desk_day(
    session: AsyncSession, identity: Identity, code: str, day: date, arriving: bool
) -> list[DeskLineOut]:
    identity.require_centre(code)
    centre = await centre_by_code(session, code)
    column = Booking.arrival if arriving else Booking.departure
    rows = (
        (
            await session.execute(
                select(Booking, Unit.number, Member)
                .join(Unit, Unit.id == Booking.unit_id)
                .join(Member, Member.user_id == Booking.member_id)
                .where(Booking.centre_id == centre.id, column == day, Booking.status.in_(STAYS))
                .order_by(Unit.number)
            )
        )
        .tuples()
        .all()
    )
    ids = [b.id for b, _n, _m in rows]
    named = await parties_of(session, ids)
    paid = dict(
        (
            await session.execute(
                select(Payment.booking_id, Payment.provider).where(Payment.booking_id.in_(ids))
            )
        )
        .tuples()
        .all()
    )
    rooms = await housekeeping.states_of(session, [b.unit_id for b, _n, _m in rows])
    return [
        DeskLineOut(
            booking_id=b.id,
            unit=number,
            member=f"{m.first_name} {m.last_name}",
            member_number=m.member_number,
            guests=b.guests,
            status=b.status,
            party=[p.name for p in named.get(b.id, [])],
            payment=paid.get(b.id),
            housekeeping=rooms[b.unit_id].value,
        )
        for b, number, m in rows
    ]


class DeskController(Controller):
    path = "/api/centres"
    tags = ["reception"]
    guards = [requires_manager_or_staff]

    @get("/{code:str}/arrivals", summary="The stays arriving on a date (manager of that centre, staff)")
    async def arrivals(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        date: FromQuery[date],
    ) -> list[DeskLineOut]:
        """A manager of that centre (403 elsewhere) or staff: each stay arriving that day, with its unit,
        member, party, status, payment and the unit's housekeeping state."""
        return await desk_day(db_session, request.user, code, date, True)

    @get("/{code:str}/departures", summary="The stays leaving on a date (manager of that centre, staff)")
    async def departures(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        date: FromQuery[date],
    ) -> list[DeskLineOut]:
        """A manager of that centre (403 elsewhere) or staff: each stay leaving that day, as for arrivals."""
        return await desk_day(db_session, request.user, code, date, False)

    @get("/{code:str}/housekeeping", summary="Each unit's housekeeping state")
    async def housekeeping_states(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
    ) -> list[UnitStateOut]:
        """A manager of that centre (403 elsewhere) or staff: every unit of the centre, by number."""
        request.user.require_centre(code)
        units = (
            (
                await db_session.execute(
                    select(Unit.id, Unit.number)
                    .join(Centre, Centre.id == Unit.centre_id)
                    .where(Centre.code == code)
                )
            )
            .tuples()
            .all()
        )
        found = await housekeeping.states_of(db_session, [unit_id for unit_id, _n in units])
        return [
            UnitStateOut(number, found[unit_id].value)
            for unit_id, number in sorted(units, key=lambda u: u[1])
        ]

    @put("/{code:str}/units/{number:str}/housekeeping", summary="The desk sets a unit's housekeeping state")
    async def set_housekeeping(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        number: FromPath[str],
        data: JSONBody[HousekeepingIn],
    ) -> UnitStateOut:
        """A manager of that centre or staff: to_clean, clean or out_of_service (a unit out of service is
        never sold)."""
        state = await housekeeping.set_state(uow, request.user, code, number, data.state, now)
        return UnitStateOut(number, state.value)
