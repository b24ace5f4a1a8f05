"""HTTP for bookings: holds, reading, cancelling, moving; the staff's booking policy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from booking import repository as repo
from booking import schemas as s
from booking import services
from booking.domain import states
from booking.models import BookingPolicy
from estivage.auth import Identity, requires_member, requires_member_or_staff, requires_staff
from estivage.idempotency import Idempotency, provide_idempotency
from inventory.controllers import money_out
from inventory.domain.money import Money


def price_out(view: services.BookingView) -> s.PriceOut:
    b = view.booking
    discount = Money(b.discount_minor, b.currency)
    return s.PriceOut(
        nights=(b.departure - b.arrival).days,
        nightly=[money_out(Money(n, b.currency)) for n in b.nightly_minor],
        subtotal=money_out(Money(b.subtotal_minor, b.currency)),
        discount=money_out(discount),
        total=money_out(Money(b.total_minor, b.currency)),
        promotion=s.PromotionApplied(b.promotion_id, b.promotion_name or "", money_out(discount))
        if b.promotion_id is not None
        else None,
    )


def booking_out(view: services.BookingView, now: datetime) -> s.BookingOut:
    b = view.booking
    status = states.effective_status(b.status, b.hold_expires_at, now)
    return s.BookingOut(
        id=b.id,
        status=status,
        centre=view.centre,
        unit_type=view.unit_type,
        unit=view.unit,
        arrival=b.arrival,
        departure=b.departure,
        guests=b.guests,
        price=price_out(view),
        created_at=b.created_at,
        hold_expires_at=b.hold_expires_at if status == "held" else None,
        confirmed_at=b.confirmed_at,
        cancelled_at=b.cancelled_at,
        refund=money_out(Money(b.refund_minor, b.currency)) if b.refund_minor is not None else None,
    )


class BookingController(Controller):
    path = "/api/bookings"
    tags = ["booking"]
    dependencies = {"idempotency": Provide(provide_idempotency)}

    @post(
        "/",
        guards=[requires_member],
        summary="Hold a unit for a stay (inventory reserved for a few minutes)",
        status_code=201,
        response_description="the held booking",
    )
    async def hold(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        idempotency: NamedDependency[Idempotency],
        data: JSONBody[s.HoldIn],
    ) -> Response[s.BookingOut]:
        async def produce() -> tuple[int, s.BookingOut]:
            view = await services.hold(
                db_session,
                request.user,
                services.HoldRequest(
                    data.centre, data.unit_type, data.arrival, data.departure, data.guests, data.promo_code
                ),
                now,
            )
            await db_session.commit()
            return 201, booking_out(view, now)

        return await idempotency.run(data, produce)

    @get("/", summary="Bookings the caller may see: a member's own, a manager's centres', all for staff")
    async def list_bookings(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        centre: Annotated[str | None, QueryParameter()] = None,
        status: Annotated[str | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[s.BookingOut]:
        views = await services.list_bookings(
            db_session, request.user, centre=centre, status=status, limit=limit, offset=offset
        )
        return [booking_out(v, now) for v in views]

    @get("/{booking_id:uuid}", summary="One booking (404 for another member's)")
    async def get_booking(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.BookingOut:
        return booking_out(await services.get_booking(db_session, request.user, booking_id), now)

    @post(
        "/{booking_id:uuid}/cancel",
        guards=[requires_member_or_staff],
        status_code=200,
        summary="Cancel; the refund follows the season's published policy",
    )
    async def cancel(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        idempotency: NamedDependency[Idempotency],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[s.CancelOut]:
        async def produce() -> tuple[int, s.CancelOut]:
            booking, refund = await services.cancel(db_session, request.user, booking_id, now)
            await db_session.commit()
            return 200, s.CancelOut(id=booking.id, status=booking.status, refund=money_out(refund))

        return await idempotency.run(str(booking_id), produce)

    @post(
        "/{booking_id:uuid}/move",
        guards=[requires_staff],
        status_code=200,
        summary="Move a booking to another free unit of its type",
    )
    async def move(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[s.MoveIn],
    ) -> s.BookingOut:
        await services.move_unit(db_session, booking_id, data.unit, now)
        await db_session.commit()
        return booking_out(await services.get_booking(db_session, request.user, booking_id), now)


class BookingPolicyController(Controller):
    path = "/api/booking-policy"
    tags = ["booking"]
    guards = [requires_staff]

    @get("/", summary="Hold duration and per-member limits")
    async def read(self, db_session: NamedDependency[AsyncSession]) -> s.BookingPolicyIO:
        found = await repo.policy(db_session)
        return s.BookingPolicyIO(
            found.hold_minutes, found.max_open_holds, found.max_off_season_nights_per_year
        )

    @put("/", summary="Set the hold duration and per-member limits")
    async def write(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[s.BookingPolicyIO]
    ) -> s.BookingPolicyIO:
        found = await db_session.get(BookingPolicy, 1)
        if found is None:
            found = BookingPolicy(id=1)
            db_session.add(found)
        found.hold_minutes = data.hold_minutes
        found.max_open_holds = data.max_open_holds
        found.max_off_season_nights_per_year = data.max_off_season_nights_per_year
        return data
