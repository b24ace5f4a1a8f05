"""Use cases of direct booking: hold, read, confirm, cancel, move. Each is one unit of work.

A hold runs under the unit-type lock (``booking.locks``), checks every rule after taking it, and writes
the nights last; the unique (unit, night) constraint stands behind it in the database itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject, snapshot
from accounts.domain.identity import MANAGER, MEMBER, STAFF, Identity
from accounts.models import User
from booking import pricing_service, retake, sweeper
from booking import repository as repo
from booking.commands import BookingPolicyIO
from booking.domain import cancellation, states
from booking.domain import party as party_rules
from booking.domain.limits import check_member_limits
from booking.events import BookingCancelled, BookingConfirmed, BookingHeld, BookingMoved
from booking.locks import lock_for_booking, lock_for_confirm, lock_for_hold
from booking.models import Booking, BookingPolicy, PartyMember
from inventory import housekeeping
from inventory.domain.availability import TakenNight
from inventory.domain.calendar import SeasonKind, season_of
from inventory.domain.housekeeping import Housekeeping
from inventory.models import Centre, Season, Unit, UnitType
from inventory.services import StaySearch, TypeOffer, search_stay
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.errors import Conflict, Forbidden, NotFound, RuleViolation
from kernel.money import Money
from kernel.uow import UnitOfWork, use_case


@dataclass(frozen=True, slots=True)
class HoldRequest:
    centre: str
    unit_type: str
    arrival: date
    departure: date
    guests: int
    promo_code: str | None = None
    # The people named with the member (``booking.domain.party``); None: not named at the hold.
    party: tuple[party_rules.Companion, ...] | None = None


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking with the codes a reader needs beside it."""

    booking: Booking
    centre: str
    unit_type: str
    unit: str
    # The username of the staff account that booked it for the member, if one did.
    booked_by: str | None = None
    # The people named with the member, when read with the booking (``booking.party``); None: not read.
    party: tuple[party_rules.Companion, ...] | None = None


async def _offer(
    session: AsyncSession,
    request: HoldRequest,
    category: str,
    now: datetime,
    centre: CentreView | None = None,
    taken: dict[int, list[TakenNight]] | None = None,
) -> tuple[StaySearch, TypeOffer]:
    """The requested type as the member can take it now, or the rule it breaks."""
    result = await search_stay(
        session,
        centre_code=request.centre,
        arrival=request.arrival,
        departure=request.departure,
        guests=request.guests,
        category=category,
        now=now,
        unit_type_code=request.unit_type,
        centre=centre,
        taken=taken,
    )
    unit_type = result.centre.unit_type(request.unit_type)
    if unit_type.capacity < request.guests:
        raise RuleViolation(
            ErrorCode.PARTY_TOO_LARGE,
            f"a {unit_type.code} holds at most {unit_type.capacity} persons",
            field="guests",
        )
    if not result.offers:
        raise RuleViolation(
            ErrorCode.NOT_OFFERED,
            f"{unit_type.code} is not offered to your category for these dates",
            field="unit_type",
        )
    if result.offers[0].available < 1:
        raise Conflict(ErrorCode.SOLD_OUT, f"no {unit_type.code} is left at {request.centre} for these dates")
    return result, result.offers[0]


async def hold(uow: UnitOfWork, member: Identity, request: HoldRequest, now: datetime) -> BookingView:
    """A member's hold: one unit of the type reserved until the policy's hold time runs out."""
    async with uow:
        view = await place_hold(uow.session, member, request, now)
        uow.record(BookingHeld(occurred_at=now, booking_id=view.booking.id, member_id=member.user_id))
        await sweeper.lapse_holds_of(uow, member.user_id, now)
        await uow.commit()
        return view


async def place_hold(
    session: AsyncSession,
    member: Identity,
    request: HoldRequest,
    now: datetime,
    booked_by: Identity | None = None,
) -> BookingView:
    """The hold of a member's stay, as a step (records no event, does not commit): the member's own
    hold, or one staff make for them (``booked_by``, ``booking.on_behalf``)."""
    # A read-only look first, outside any lock: in a rush most requests meet a sold-out type, and those
    # are answered without queueing for the lock or writing anything. The read transaction is closed
    # before the locked unit of work begins (SQLite must start that one with its write).
    looked, _ = await _offer(session, request, member.category or "", now)
    companions = _named_at_hold(request, looked.centre.unit_type(request.unit_type).capacity)
    # The member's own limits, read lock-free too: in a rush a member who holds a stay already asks
    # again and again, and is answered without taking (and making others wait for) the type's lock.
    # Only a refusal is taken from this read; the locked read below decides.
    check_member_limits(
        repo.limits_of(await repo.policy(session, looked.centre.version)),
        await repo.member_usage(session, member.user_id, request.arrival.year, now),
        looked.stay.night_count,
    )
    stay = (request.arrival, request.departure)
    locks = await lock_for_hold(session, request.centre, request.unit_type, member.user_id, stay, now)
    if not locks.member_active:
        raise Forbidden(
            ErrorCode.MEMBERSHIP_INACTIVE,
            "this member is no longer on the foundation's roster (or their account is disabled): no booking",
            field="member",
        )
    category = locks.category
    # The nights taken are read again, locked, with the member's bookings and the configuration's
    # version: the snapshot the look used is reused while that version is still current (the look may
    # have relied on a read kept in memory, inventory.changes), and loaded again when it is not.
    type_ids = [looked.centre.unit_type(request.unit_type).id]
    locked = await repo.taken_nights_and_usage(
        session, type_ids, request.arrival, request.departure, now, member.user_id
    )
    centre = looked.centre
    if locked.version != centre.version:
        centre = await centre_view(session, request.centre)
    result, offer = await _offer(session, request, category, now, centre, locked.taken)
    unit_type = offer.unit_type
    policy = await repo.policy(session, result.centre.version)
    check_member_limits(repo.limits_of(policy), locked.usage, result.stay.night_count)
    quote = await pricing_service.quote_for_hold(
        session, result, offer, category, member.user_id, request.promo_code, now
    )
    season = season_of(request.arrival, result.centre.seasons)
    # search_stay refused the others already: off-season, or a summer put on open sale (booking.open_sale)
    if season is None or not (season.kind == SeasonKind.OFF_SEASON or season.open_sale):
        raise RuleViolation(ErrorCode.NOT_BOOKABLE, "these dates cannot be booked directly", field="arrival")
    expires = now + timedelta(minutes=policy.hold_minutes)
    booking = Booking(
        id=uuid.uuid4(),
        member_id=member.user_id,
        centre_id=result.centre.id,
        unit_type_id=unit_type.id,
        unit_id=offer.free_unit_ids[0],
        season_id=season.id,
        arrival=request.arrival,
        departure=request.departure,
        guests=request.guests,
        category=category,
        status=states.HELD,
        hold_expires_at=expires,
        created_at=now,
        currency=quote.total.currency,
        subtotal_minor=quote.subtotal.amount_minor,
        discount_minor=quote.discount.amount_minor,
        total_minor=quote.total.amount_minor,
        nightly_minor=[p.amount_minor for _n, p in offer.nightly],
        promotion_id=quote.promotion.id if quote.promotion else None,
        promotion_name=quote.promotion.name if quote.promotion else None,
        booked_by=booked_by.user_id if booked_by else None,
    )
    if not locks.expired_nights_cleared:
        await repo.clear_expired_nights(session, unit_type.id, request.arrival, request.departure, now)
    try:
        await repo.insert_hold(session, booking)
    except IntegrityError as race:
        # Only reachable with the allocation lock switched off: the database refuses the second sale.
        raise Conflict(
            ErrorCode.SOLD_OUT, f"the last {unit_type.code} at {request.centre} was just taken"
        ) from race
    if companions:
        session.add_all(party_rows(booking.id, companions))
    return BookingView(
        booking,
        result.centre.code,
        unit_type.code,
        result.centre.unit_numbers[booking.unit_id],
        booked_by.username if booked_by else None,
        companions,
    )


def _named_at_hold(request: HoldRequest, capacity: int) -> tuple[party_rules.Companion, ...]:
    if request.party is None:
        return ()
    party_rules.check_counts_guests(request.party, request.guests)
    return party_rules.cleaned(request.party, capacity)


def party_rows(booking_id: uuid.UUID, companions: tuple[party_rules.Companion, ...]) -> list[PartyMember]:
    return [
        PartyMember(
            booking_id=booking_id,
            position=position,
            name=c.name,
            relation=c.relation.value,
            age_band=c.age_band.value,
        )
        for position, c in enumerate(companions, start=1)
    ]


def visible_to(identity: Identity, booking: Booking, centre_code: str) -> bool:
    if identity.role == STAFF:
        return True
    if identity.role == MANAGER:
        return centre_code in identity.centres
    return identity.role == MEMBER and booking.member_id == identity.user_id


_BOOKED_BY = aliased(User)


def _with_codes() -> Select[tuple[Booking, str, str, str, str]]:
    # The last column is the username of the staff account that made the booking: NULL when none did.
    return (
        select(Booking, Centre.code, UnitType.code, Unit.number, _BOOKED_BY.username)
        .join(Centre, Centre.id == Booking.centre_id)
        .join(UnitType, UnitType.id == Booking.unit_type_id)
        .join(Unit, Unit.id == Booking.unit_id)
        .outerjoin(_BOOKED_BY, _BOOKED_BY.id == Booking.booked_by)
    )


async def get_booking(session: AsyncSession, identity: Identity, booking_id: uuid.UUID) -> BookingView:
    """The booking with its codes; 404 for anything the caller may not see."""
    row = (await session.execute(_with_codes().where(Booking.id == booking_id))).one_or_none()
    if row is None or not visible_to(identity, row[0], row[1]):
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    return BookingView(*row)


async def booking_view(session: AsyncSession, booking_id: uuid.UUID) -> BookingView:
    """The booking with its codes, unchecked: for the handlers of its own events (in their transaction),
    never for a caller's request (``get_booking`` checks who may see it)."""
    return BookingView(*(await session.execute(_with_codes().where(Booking.id == booking_id))).one())


async def own_booking(session: AsyncSession, identity: Identity, booking_id: uuid.UUID) -> BookingView:
    """The caller's own booking (paying it, its pass, cancelling it from the member's pages); anyone
    else's, staff's and managers' included, is 404 on this path like everywhere."""
    view = await get_booking(session, identity, booking_id)
    if view.booking.member_id != identity.user_id:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    return view


async def list_bookings(
    session: AsyncSession,
    identity: Identity,
    *,
    centre: str | None,
    status: str | None,
    limit: int,
    offset: int,
    member_id: int | None = None,
) -> list[BookingView]:
    """The bookings the caller may see, newest stay first; staff may narrow them to one member's."""
    query = (
        _with_codes().order_by(Booking.arrival.desc(), Booking.created_at.desc()).limit(limit).offset(offset)
    )
    if identity.role == MEMBER:
        query = query.where(Booking.member_id == identity.user_id)
    elif identity.role == MANAGER:
        query = query.where(Centre.code.in_(identity.centres))
    if centre:
        query = query.where(Centre.code == centre)
    if status:
        query = query.where(Booking.status == status)
    if member_id is not None:
        query = query.where(Booking.member_id == member_id)
    return [BookingView(*row) for row in (await session.execute(query)).tuples()]


async def confirm(uow: UnitOfWork, booking_id: uuid.UUID, now: datetime) -> Booking:
    """Money is secured: the hold becomes a confirmed stay. A step of the payments' use cases (it records
    ``BookingConfirmed`` and does not commit).

    A hold that expired meanwhile is taken again only if a new hold could take it now, every rule
    checked under a hold's locks (``booking.retake``); otherwise ``Conflict("hold_lost")`` and the
    caller (payments) gives the money back at once: never money without a stay, never a stay that
    passes a limit or a cap."""
    session = uow.session
    await lock_for_confirm(session, booking_id)
    booking = await session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    if booking is None:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    current = states.effective_status(booking.status, booking.hold_expires_at, now)
    if current == states.EXPIRED:
        await retake.take_again(session, booking, now)
        current = states.HELD
    booking.status = states.transition(current, "pay")
    booking.confirmed_at, booking.hold_expires_at = now, None
    await session.flush()
    await repo.confirm_nights(session, booking.id)
    uow.record(
        BookingConfirmed(
            occurred_at=now,
            booking_id=booking.id,
            member_id=booking.member_id,
            total=Money(booking.total_minor, booking.currency),
        )
    )
    return booking


async def move_unit(
    uow: UnitOfWork, actor: Identity, booking_id: uuid.UUID, unit_number: str, now: datetime
) -> Booking:
    """Staff move a booking to another free unit of the same type."""
    async with uow:
        booking, was = await move_step(uow.session, booking_id, unit_number, now)
        uow.record(BookingMoved(occurred_at=now, booking_id=booking.id, unit_id=booking.unit_id))
        audit.record(
            uow.session,
            actor,
            AuditKind.BOOKING_MOVED,
            Subject("booking", str(booking.id)),
            now,
            before={"unit": was},
            after={"unit": unit_number},
            member_id=booking.member_id,
        )
        await uow.commit()
        return booking


async def move_step(
    session: AsyncSession, booking_id: uuid.UUID, unit_number: str, now: datetime
) -> tuple[Booking, str]:
    """The booking in its new unit of the same type, and the number of the unit it left (a step: staff
    moving a booking, the desk changing the unit at check-in). Never onto a taken night, nor onto a unit
    out of service."""
    await lock_for_booking(session, booking_id)
    booking = await session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    if states.effective_status(booking.status, booking.hold_expires_at, now) not in {
        states.HELD,
        states.CONFIRMED,
    }:
        raise Conflict(ErrorCode.INVALID_TRANSITION, f"a {booking.status} booking cannot move")
    unit = (
        await session.scalars(
            select(Unit).where(Unit.centre_id == booking.centre_id, Unit.number == unit_number)
        )
    ).one_or_none()
    if unit is None or unit.unit_type_id != booking.unit_type_id:
        raise RuleViolation(
            ErrorCode.UNIT_NOT_SUITABLE, f"no unit {unit_number} of this booking's type", field="unit"
        )
    if (await housekeeping.states_of(session, [unit.id]))[unit.id] == Housekeeping.OUT_OF_SERVICE:
        raise Conflict(ErrorCode.UNIT_OUT_OF_SERVICE, f"unit {unit_number} is out of service")
    if not await repo.unit_is_free(session, unit.id, booking.arrival, booking.departure, now, booking.id):
        raise Conflict(ErrorCode.UNIT_TAKEN, f"unit {unit_number} is taken on some night of this stay")
    was = await session.scalar(select(Unit.number).where(Unit.id == booking.unit_id))
    await repo.release_nights(session, booking.id)
    await repo.clear_expired_nights(session, booking.unit_type_id, booking.arrival, booking.departure, now)
    booking.unit_id = unit.id
    session.add_all(
        repo.nights_rows(booking, booking.hold_expires_at if booking.status == states.HELD else None)
    )
    await session.flush()
    return booking, was or ""


async def cancel(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, now: datetime
) -> tuple[Booking, Money]:
    """Cancel by the member (own bookings) or staff; the refund follows the season's policy.

    The amount is computed here and recorded on the booking; ``BookingCancelled`` moves the money (the
    payments package refunds) and revokes the pass (access), in the same transaction."""
    async with uow:
        booking, refund = await cancel_step(uow, identity, booking_id, now)
        await uow.commit()
        return booking, refund


async def cancel_step(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, now: datetime
) -> tuple[Booking, Money]:
    """The cancellation as a step of a larger use case (a declined summer offer): records
    ``BookingCancelled``, does not commit."""
    booking, refund, was_paid = await _cancel(uow.session, identity, booking_id, now)
    uow.record(
        BookingCancelled(
            occurred_at=now,
            booking_id=booking.id,
            member_id=booking.member_id,
            refund=refund,
            was_paid=was_paid,
            by_role=str(identity.role),
        )
    )
    return booking, refund


async def _cancel(
    session: AsyncSession, identity: Identity, booking_id: uuid.UUID, now: datetime
) -> tuple[Booking, Money, bool]:
    await lock_for_booking(session, booking_id)
    view = await get_booking(session, identity, booking_id)
    booking, centre_code = view.booking, view.centre
    if identity.role == MANAGER:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    current = states.effective_status(booking.status, booking.hold_expires_at, now)
    await _refuse_begun_stay(session, booking, centre_code, current, now)
    booking.status = states.transition(current, "cancel")
    paid = Money(booking.total_minor if current == states.CONFIRMED else 0, booking.currency)
    refund = await _refund_due(session, booking, centre_code, paid, now)
    booking.cancelled_at, booking.cancelled_by = now, identity.role
    booking.refund_minor = refund.amount_minor
    booking.hold_expires_at = None
    await repo.release_nights(session, booking.id)
    await session.flush()
    if identity.role == STAFF:
        audit.record(
            session,
            identity,
            AuditKind.BOOKING_CANCELLED_BY_STAFF,
            Subject("booking", str(booking.id)),
            now,
            before={"status": current},
            after={"status": booking.status, "refund": refund},
            member_id=booking.member_id,
        )
    return booking, refund, current == states.CONFIRMED


async def _refuse_begun_stay(
    session: AsyncSession, booking: Booking, centre_code: str, current: str, now: datetime
) -> None:
    """A stay the desk has seen (checked in, out, no-show) or whose arrival time has come is not cancelled:
    it is checked in, recorded a no-show, or ended early by staff (``booking.reception``)."""
    if current in states.AT_THE_DESK:
        raise Conflict(ErrorCode.STAY_BEGUN, f"a {current} stay cannot be cancelled")
    if current == states.CONFIRMED:
        centre = await centre_view(session, centre_code)
        arrival_at = datetime.combine(booking.arrival, centre.arrival_time, tzinfo=ZoneInfo(centre.time_zone))
        if now >= arrival_at:
            raise Conflict(ErrorCode.STAY_BEGUN, "a stay whose arrival time has come cannot be cancelled")


async def _refund_due(
    session: AsyncSession, booking: Booking, centre_code: str, paid: Money, now: datetime
) -> Money:
    if paid.amount_minor == 0:
        return paid
    centre = await centre_view(session, centre_code)
    season = await session.get(Season, booking.season_id)
    tiers = season.cancellation_policy if season and season.cancellation_policy is not None else None
    policy = cancellation.policy_from_tiers(tiers) if tiers is not None else cancellation.DEFAULT_POLICY
    arrival_at = datetime.combine(booking.arrival, centre.arrival_time, tzinfo=ZoneInfo(centre.time_zone))
    return cancellation.refund_for(policy, paid, arrival_at, now).amount


_POLICY_FIELDS = (
    "hold_minutes",
    "max_open_holds",
    "max_off_season_nights_per_year",
    "credit_max_instalments",
    "credit_min_instalment_minor",
    "credit_categories",
    "no_show_grace_days",
)


@use_case
async def set_policy(
    session: AsyncSession, actor: Identity, data: BookingPolicyIO, now: datetime
) -> BookingPolicy:
    """Staff set the hold duration, the per-member limits and the holiday-credit terms."""
    found = await session.get(BookingPolicy, 1)
    if found is None:
        found = BookingPolicy(id=1)
        session.add(found)
    before = snapshot(found, _POLICY_FIELDS)
    found.hold_minutes = data.hold_minutes
    found.max_open_holds = data.max_open_holds
    found.max_off_season_nights_per_year = data.max_off_season_nights_per_year
    found.credit_max_instalments = data.credit_max_instalments
    found.credit_min_instalment_minor = data.credit_min_instalment.amount_minor
    found.credit_categories = sorted(set(data.credit_categories))
    found.no_show_grace_days = data.no_show_grace_days
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.BOOKING_POLICY_SET,
        Subject("booking_policy", "1"),
        now,
        before=before,
        after=snapshot(found, _POLICY_FIELDS),
    )
    return found
