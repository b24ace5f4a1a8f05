"""HTTP for bookings: holds, reading, cancelling, moving; the staff's booking policy."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import MEMBER, Identity
from accounts.guards import requires_member, requires_member_or_staff, requires_staff
from booking import commands as c
from booking import on_behalf, party, promotions_admin, reminders, services
from booking import repository as repo
from booking import schemas as s
from booking.domain import states
from booking.domain.party import Companion
from booking.domain.promotions import Quote, Usage
from booking.models import BookingPolicy, Promotion
from booking.searches import FOUNDATION_ZONE, SearchLog
from inventory.domain.calendar import local_today
from inventory.services import TypeOffer
from kernel.errors import DomainError
from kernel.http.idempotency import Idempotency, provide_idempotency
from kernel.http.schemas import language_of, money_out
from kernel.money import MAD, Money
from kernel.structs import MoneyIn
from kernel.uow import UnitOfWork


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


def companion_out(companion: Companion) -> s.CompanionOut:
    return s.CompanionOut(companion.name, companion.relation.value, companion.age_band.value)


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
        hold_expires_at=b.hold_expires_at if status == states.HELD else None,
        confirmed_at=b.confirmed_at,
        cancelled_at=b.cancelled_at,
        checked_in_at=b.checked_in_at,
        checked_out_at=b.checked_out_at,
        refund=money_out(Money(b.refund_minor, b.currency)) if b.refund_minor is not None else None,
        notice=b.member_notice,
        notice_code=b.member_notice_code,
        booked_by=view.booked_by,
        party=[companion_out(c) for c in view.party] if view.party is not None else None,
    )


def hold_request(data: c.HoldIn) -> services.HoldRequest:
    return services.HoldRequest(
        data.centre,
        data.unit_type,
        data.arrival,
        data.departure,
        data.guests,
        data.promo_code,
        party.companions(data.party) if data.party is not None else None,
    )


class BookingController(Controller):
    path = "/api/bookings"
    tags = ["booking"]
    dependencies = {"idempotency": Provide(provide_idempotency)}

    @post(
        "/",
        guards=[requires_member_or_staff],
        summary="Hold a unit for a stay (inventory reserved for a few minutes); staff hold for a member",
        description=(
            "A member holds for themselves. Staff hold for the member named by `member` (a member number), "
            "at that member's tariff, limits and quota; the booking records who made it (`booked_by`) and "
            "the audit log says so."
        ),
        status_code=201,
        response_description="the held booking",
    )
    async def hold(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        idempotency: NamedDependency[Idempotency],
        data: JSONBody[c.HoldIn],
    ) -> Response[s.BookingOut]:
        async def produce() -> tuple[int, s.BookingOut]:
            view = await on_behalf.hold(uow, request.user, data.member, hold_request(data), now)
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
        """Filter by centre and status; `limit` and `offset` page through them. Members see only their own."""
        views = await services.list_bookings(
            db_session, request.user, centre=centre, status=status, limit=limit, offset=offset
        )
        return [booking_out(v, now) for v in views]

    @get("/{booking_id:uuid}", summary="One booking with its party (404 for another member's)")
    async def get_booking(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.BookingOut:
        """A member's own (404 for another member's); a manager's for their centres; any for staff."""
        return booking_out(await party.booking_with_party(db_session, request.user, booking_id), now)

    @put(
        "/{booking_id:uuid}/party",
        guards=[requires_member_or_staff],
        summary="Name the party: the people staying with the member (before the stay begins)",
        description=(
            "Replaces the named party; the booking's guests become the member and the people named (within "
            "the unit's capacity), and the pass is issued again with that party size."
        ),
    )
    async def name_party(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[c.PartyIn],
    ) -> s.BookingOut:
        view = await party.name_party(uow, request.user, booking_id, party.companions(data.party), now)
        return booking_out(view, now)

    @post(
        "/{booking_id:uuid}/cancel",
        guards=[requires_member_or_staff],
        status_code=200,
        summary="Cancel; the refund follows the season's published policy",
    )
    async def cancel(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        idempotency: NamedDependency[Idempotency],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[s.CancelOut]:
        """The member (own booking) or staff. The refund is the season's published share for the days left
        before arrival, and the pass is revoked at every gate; 409 for a stay begun or already over. An
        `Idempotency-Key` replays the first answer."""

        async def produce() -> tuple[int, s.CancelOut]:
            # The refund and the pass's revocation follow from BookingCancelled (estivage.bootstrap).
            booking, refund = await services.cancel(uow, request.user, booking_id, now)
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
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[c.MoveIn],
    ) -> s.BookingOut:
        """Staff only. 409 when the unit is taken on some night of the stay or out of service, or the
        booking is neither held nor confirmed; 422 for a unit not of the booking's type."""
        await services.move_unit(uow, request.user, booking_id, data.unit, now)
        return booking_out(await services.get_booking(db_session, request.user, booking_id), now)


class AvailabilityController(Controller):
    path = "/api/availability"
    tags = ["booking"]

    @get(
        "/",
        guards=[requires_member_or_staff],
        summary="What the caller can book for a stay, at their tariff and promotions (staff: a member's)",
    )
    async def availability(
        self,
        request: Request[Identity, Any, Any],
        read_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        centre: FromQuery[str],
        arrival: FromQuery[date],
        departure: FromQuery[date],
        guests: Annotated[int, QueryParameter(ge=1, le=50)] = 1,
        member: Annotated[
            str | None, QueryParameter(description="Staff: the member number to search for", max_length=16)
        ] = None,
        promo_code: Annotated[
            str | None,
            QueryParameter(
                description="A promotion code: prices with it where it applies, else says why per unit type",
                min_length=1,
                max_length=32,
                pattern=r"^[A-Za-z0-9-]+$",
            ),
        ] = None,
    ) -> list[s.AvailabilityOut]:
        """Each unit type free for every night of the stay, with its price for the caller (their tariff and
        any automatic promotion). 422 for dates that break the season's stay rules; staff give `member`
        to search for one."""
        if member is None and request.user.role == MEMBER:  # the access rate's "searched" (docs/kpis.md)
            log: SearchLog = request.app.state.search_log
            await log.note(request.user.user_id, centre, local_today(now, FOUNDATION_ZONE))
        priced = await on_behalf.search(
            read_session,
            request.user,
            member,
            centre=centre,
            arrival=arrival,
            departure=departure,
            guests=guests,
            now=now,
            promo_code=promo_code,
        )
        arabic = language_of(request) == "ar"
        return [availability_out(p.offer, p.quote, arabic, p.code_refused) for p in priced]


def availability_out(
    offer: TypeOffer, quote: Quote, arabic: bool, code_refused: DomainError | None = None
) -> s.AvailabilityOut:
    return s.AvailabilityOut(
        unit_type=offer.unit_type.code,
        name=offer.unit_type.name_ar if arabic else offer.unit_type.name_fr,
        capacity=offer.unit_type.capacity,
        available=offer.available,
        nights=len(offer.nightly),
        price=money_out(quote.total),
        subtotal=money_out(quote.subtotal),
        discount=money_out(quote.discount),
        nightly=[money_out(price) for _night, price in offer.nightly],
        promotion=s.PromotionApplied(quote.promotion.id, quote.promotion.name, money_out(quote.discount))
        if quote.promotion
        else None,
        promo_code_refused=s.CodeRefusedOut(code_refused.code, code_refused.detail, dict(code_refused.params))
        if code_refused
        else None,
    )


class BookingPolicyController(Controller):
    path = "/api/booking-policy"
    tags = ["booking"]
    guards = [requires_staff]

    @get("/", summary="Hold duration and per-member limits")
    async def read(self, db_session: NamedDependency[AsyncSession]) -> c.BookingPolicyIO:
        """Staff only."""
        return policy_out(await repo.policy(db_session))

    @put("/", summary="Set the hold duration, per-member limits and holiday-credit terms")
    async def write(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.BookingPolicyIO],
    ) -> c.BookingPolicyIO:
        """Staff only. The whole policy is given; the change is audit-logged."""
        return policy_out(await services.set_policy(uow, request.user, data, now))


def policy_out(found: BookingPolicy) -> c.BookingPolicyIO:
    return c.BookingPolicyIO(
        hold_minutes=found.hold_minutes,
        max_open_holds=found.max_open_holds,
        max_off_season_nights_per_year=found.max_off_season_nights_per_year,
        credit_max_instalments=found.credit_max_instalments,
        credit_min_instalment=MoneyIn(amount_minor=found.credit_min_instalment_minor),
        credit_categories=list(found.credit_categories),
        no_show_grace_days=found.no_show_grace_days,
    )


def promotion_out(promotion: Promotion, usage: Usage) -> s.PromotionOut:
    return s.PromotionOut(
        id=promotion.id,
        name=promotion.name,
        kind=promotion.kind,
        code=promotion.code,
        automatic=promotion.code is None,
        exclusive=promotion.exclusive,
        paused=promotion.paused,
        percent_bp=promotion.percent_bp,
        amount=money_out(Money(promotion.amount_minor, MAD)) if promotion.amount_minor is not None else None,
        stay_nights=promotion.stay_nights,
        pay_nights=promotion.pay_nights,
        centres=promotion.centres,
        unit_types=promotion.unit_types,
        categories=promotion.categories,
        arrival_weekdays=promotion.arrival_weekdays,
        stay_from=promotion.stay_from,
        stay_until=promotion.stay_until,
        book_from=promotion.book_from,
        book_until=promotion.book_until,
        min_nights=promotion.min_nights,
        max_uses=promotion.max_uses,
        max_uses_per_member=promotion.max_uses_per_member,
        budget=money_out(Money(promotion.budget_minor, MAD)) if promotion.budget_minor is not None else None,
        uses=usage.uses,
        spent=money_out(usage.spent),
    )


class PromotionController(Controller):
    path = "/api/promotions"
    tags = ["booking"]
    guards = [requires_staff]

    @get("/", summary="Promotions with their live uses and budget spent")
    async def list_promotions(
        self, db_session: NamedDependency[AsyncSession], now: NamedDependency[datetime]
    ) -> list[s.PromotionOut]:
        """Staff only."""
        return [promotion_out(p, u) for p, u in await promotions_admin.promotions_with_usage(db_session, now)]

    @post("/", summary="Create a promotion")
    async def create(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.PromotionIn],
    ) -> s.PromotionOut:
        """Staff only. 409 for a code already used; 422 for a promotion missing what its kind needs, or a
        date range ending before it starts (the field is named)."""
        promotion = await promotions_admin.create_promotion(uow, request.user, data, now)
        return promotion_out(promotion, Usage())

    @get("/{promotion_id:int}", summary="One promotion with its uses")
    async def read(
        self,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
    ) -> s.PromotionOut:
        """Staff only; 404 for an unknown id."""
        await promotions_admin.get_promotion(db_session, promotion_id)
        [(promotion, usage)] = await promotions_admin.promotions_with_usage(db_session, now, promotion_id)
        return promotion_out(promotion, usage)

    @patch("/{promotion_id:int}", summary="Change, pause or resume a promotion")
    async def update(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        promotion_id: FromPath[int],
        data: JSONBody[c.PromotionPatch],
    ) -> s.PromotionOut:
        """Staff only. `clear` lifts caps; a cap may not be both set and cleared in one patch (422)."""
        await promotions_admin.update_promotion(uow, request.user, promotion_id, data, now)
        [(promotion, usage)] = await promotions_admin.promotions_with_usage(db_session, now, promotion_id)
        return promotion_out(promotion, usage)


class ReminderController(Controller):
    path = "/api/reminders"
    tags = ["booking"]
    guards = [requires_member]

    @get("/", summary="The member's reminders (a payment deadline coming, a stay about to begin)")
    async def mine(
        self, db_session: NamedDependency[AsyncSession], request: Request[Identity, Any, Any]
    ) -> list[s.ReminderOut]:
        """Members only: reminders for their own bookings."""
        found = await reminders.reminders_of(db_session, request.user.user_id)
        return [
            s.ReminderOut(r.booking_id, r.kind, r.due_at, r.created_at, r.centre, r.arrival, r.departure)  # type: ignore[arg-type]
            for r in found
        ]
