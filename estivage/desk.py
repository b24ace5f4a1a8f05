"""HTTP for the desk's day (the composition root joins booking and payments here): a centre's arrivals
and departures on a date, with the party's names, the unit, the stay's status and how it was paid; and
each unit's housekeeping state, set by the desk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff
from accounts.models import Member
from booking.domain import states
from booking.models import Booking, PartyMember
from booking.party import parties_of
from inventory import housekeeping
from inventory.domain.housekeeping import Housekeeping
from inventory.models import Centre, StayNight, Unit
from inventory.repository import centre_by_code
from kernel.uow import UnitOfWork
from payments.domain.states import PaymentStatus
from payments.models import Payment

STAYS = tuple(sorted(states.PAID))
Movement = Literal["arrivals", "departures"]


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
    payment_status: Annotated[
        str | None, msgspec.Meta(description="pending, succeeded, refunded…; null: no payment")
    ] = None
    housekeeping: str = "clean"
    free_units: Annotated[
        list[str], msgspec.Meta(description="a confirmed arrival's other free units of its type (check-in)")
    ] = msgspec.field(default_factory=list)


class UnitStateOut(msgspec.Struct):
    """A unit's housekeeping state (to clean, clean or out of service)."""

    unit: str
    state: str


class HousekeepingIn(msgspec.Struct, forbid_unknown_fields=True):
    """The housekeeping state to set: to_clean, clean or out_of_service."""

    state: Literal["to_clean", "clean", "out_of_service"]


@dataclass(frozen=True, slots=True)
class DeskLine:
    """One stay of the desk's day as the page and the API read it."""

    booking: Booking
    unit: str
    member: Member
    party: tuple[PartyMember, ...]
    payment: Payment | None
    housekeeping: Housekeeping
    # Other units of the stay's type free on each of its nights and in service (check-in's choice).
    free_units: tuple[str, ...] = ()


async def free_units_for(session: AsyncSession, booking: Booking, now: datetime) -> tuple[str, ...]:
    """The units the desk may move ``booking`` to at check-in: its type, no live night of another stay
    on any of its nights, not out of service (``booking.services.move_step`` checks the same again)."""
    taken = select(StayNight.unit_id).where(
        StayNight.unit_type_id == booking.unit_type_id,
        StayNight.night >= booking.arrival,
        StayNight.night < booking.departure,
        StayNight.booking_id != booking.id,
        or_(StayNight.hold_expires_at.is_(None), StayNight.hold_expires_at > now),
    )
    units = (
        (
            await session.execute(
                select(Unit.id, Unit.number)
                .where(
                    Unit.unit_type_id == booking.unit_type_id,
                    Unit.id != booking.unit_id,
                    Unit.id.not_in(taken),
                )
                .order_by(Unit.number)
            )
        )
        .tuples()
        .all()
    )
    rooms = await housekeeping.states_of(session, [unit_id for unit_id, _n in units])
    return tuple(n for unit_id, n in units if rooms[unit_id] != Housekeeping.OUT_OF_SERVICE)


async def desk_lines(
    session: AsyncSession, identity: Identity, code: str, day: date, movement: Movement, now: datetime
) -> list[DeskLine]:
    """The stays arriving (or leaving) at the centre ``code`` on ``day``: for its manager or staff."""
    identity.require_centre(code)
    centre = await centre_by_code(session, code)
    column = Booking.arrival if movement == "arrivals" else Booking.departure
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
    paid: dict[uuid.UUID, Payment] = {}
    for payment in await session.scalars(
        select(Payment).where(Payment.booking_id.in_(ids)).order_by(Payment.created_at)
    ):
        if payment.booking_id not in paid or payment.status == PaymentStatus.SUCCEEDED:
            paid[payment.booking_id] = payment  # the one that paid, else the latest attempt
    rooms = await housekeeping.states_of(session, [b.unit_id for b, _n, _m in rows])
    lines = []
    for b, number, m in rows:
        late = b.status == states.NO_SHOW  # a party that comes after its no-show is checked in too
        free = await free_units_for(session, b, now) if b.status == states.CONFIRMED or late else ()
        party = tuple(named.get(b.id, ()))
        lines.append(DeskLine(b, number, m, party, paid.get(b.id), rooms[b.unit_id], free))
    return lines


async def desk_day(
    session: AsyncSession, identity: Identity, code: str, day: date, movement: Movement, now: datetime
) -> list[DeskLineOut]:
    return [
        DeskLineOut(
            booking_id=line.booking.id,
            unit=line.unit,
            member=f"{line.member.first_name} {line.member.last_name}",
            member_number=line.member.member_number,
            guests=line.booking.guests,
            status=line.booking.status,
            party=[p.name for p in line.party],
            payment=line.payment.provider if line.payment is not None else None,
            payment_status=line.payment.status if line.payment is not None else None,
            housekeeping=line.housekeeping.value,
            free_units=list(line.free_units),
        )
        for line in await desk_lines(session, identity, code, day, movement, now)
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
        now: NamedDependency[datetime],
        date: FromQuery[date],
    ) -> list[DeskLineOut]:
        """A manager of that centre (403 elsewhere) or staff: each stay arriving that day, with its unit,
        member, party, status, payment and the unit's housekeeping state."""
        return await desk_day(db_session, request.user, code, date, "arrivals", now)

    @get("/{code:str}/departures", summary="The stays leaving on a date (manager of that centre, staff)")
    async def departures(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        now: NamedDependency[datetime],
        date: FromQuery[date],
    ) -> list[DeskLineOut]:
        """A manager of that centre (403 elsewhere) or staff: each stay leaving that day, as for arrivals."""
        return await desk_day(db_session, request.user, code, date, "departures", now)

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
