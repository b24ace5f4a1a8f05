"""Staff book for a member (a retiree at the counter, a member on the phone): the member's own search and
hold, at the member's tariff and within the member's limits and quota, as if the member had asked; the
booking keeps who made it (``Booking.booked_by``) and the audit log says so."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accounts import member_search
from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import STAFF, Identity
from booking import pricing_service, services
from booking.events import BookingHeld
from kernel.codes import ErrorCode
from kernel.errors import RuleViolation
from kernel.uow import UnitOfWork


def for_whom(caller: Identity, member_number: str | None) -> str | None:
    """The member staff act for (staff must say which), or None for a member acting for themselves (a
    member may not name another)."""
    if caller.role == STAFF:
        if member_number is None:
            raise RuleViolation(
                ErrorCode.MEMBER_REQUIRED, "staff say which member this is for", field="member"
            )
        return member_number
    if member_number is not None:
        raise RuleViolation(ErrorCode.MEMBER_NOT_ALLOWED, "only staff act for another member", field="member")
    return None


async def search(
    session: AsyncSession,
    caller: Identity,
    member_number: str | None,
    *,
    centre: str,
    arrival: date,
    departure: date,
    guests: int,
    now: datetime,
    promo_code: str | None = None,
) -> list[pricing_service.PricedOffer]:
    """What can be booked for a stay: by a member for themselves, or by staff for the member named."""
    acting_for = for_whom(caller, member_number)
    member = caller if acting_for is None else await member_search.acting_for(session, acting_for)
    return await pricing_service.search_with_quotes(
        session,
        member,
        centre=centre,
        arrival=arrival,
        departure=departure,
        guests=guests,
        now=now,
        promo_code=promo_code,
    )


async def hold(
    uow: UnitOfWork,
    caller: Identity,
    member_number: str | None,
    request: services.HoldRequest,
    now: datetime,
) -> services.BookingView:
    """A member's own hold, or staff's for the member named."""
    acting_for = for_whom(caller, member_number)
    if acting_for is None:
        return await services.hold(uow, caller, request, now)
    return await hold_for_member(uow, caller, acting_for, request, now)


async def hold_for_member(
    uow: UnitOfWork,
    staff: Identity,
    member_number: str,
    request: services.HoldRequest,
    now: datetime,
) -> services.BookingView:
    """A hold for the member, made by staff: paid by payroll on the member's behalf
    (``payments.on_behalf``) or by the member on their own booking page."""
    async with uow:
        member = await member_search.acting_for(uow.session, member_number)
        view = await services.place_hold(uow.session, member, request, now, booked_by=staff)
        booking = view.booking
        uow.record(BookingHeld(occurred_at=now, booking_id=booking.id, member_id=member.user_id))
        audit.record(
            uow.session,
            staff,
            AuditKind.BOOKING_HELD_FOR_MEMBER,
            Subject("booking", str(booking.id)),
            now,
            after={
                "member": member_number,
                "centre": view.centre,
                "unit_type": view.unit_type,
                "unit": view.unit,
                "arrival": booking.arrival,
                "departure": booking.departure,
                "guests": booking.guests,
                "total_minor": booking.total_minor,
            },
            member_id=member.user_id,
        )
        await uow.commit()
        return view
