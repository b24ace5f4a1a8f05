"""Money that arrives for a hold after it lapsed takes the stay again only when a new hold could.

A card payment can succeed after its hold ran out: the member was slow on the card page, the bank
answered late, a webhook came after the worker marked the hold expired. Meanwhile the member may have
held and paid the same stay again, another member may have taken the last unit, the last use of a
promotion or the last of its budget. Confirming the late money on "the unit is still free" alone would
give two stays on a "one per member" code and nights past the yearly limit (the review of issue 15).

So a lapsed off-season hold is judged again as a new hold would be, under the same locks
(``booking.locks.lock_for_confirm``: the member's row, then the unit type, then the promotions' rows):
the stay rules and the season, availability and the category's quota, the member's limits (open holds,
off-season nights in the year), and the price: the same promotion must still apply within its caps
(uses, uses per member, budget) and the stay must cost exactly what was paid. Any refusal becomes
``Conflict("hold_lost")`` naming the rule in its detail; payments then gives the money back.

A summer offer that lapsed keeps its own rule: its unit, if no one has it since (the campaign re-offers a
lapsed unit by holding it, so a free unit is one nobody else was offered), as ``booking.campaigns.settle``
expects ("paid after lapse").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import pricing_service
from booking import repository as repo
from booking.domain.limits import check_member_limits
from booking.models import Booking, Promotion
from inventory.domain.calendar import SeasonKind
from inventory.models import Centre, Season, UnitType
from inventory.services import search_stay
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.errors import Conflict, DomainError, RuleViolation
from kernel.money import Money


async def take_again(session: AsyncSession, booking: Booking, now: datetime) -> None:
    """The nights of a lapsed hold taken again, with every rule of a new hold checked, or
    ``Conflict("hold_lost")``. The caller holds ``lock_for_confirm`` and confirms the booking after."""
    season = await session.get(Season, booking.season_id)
    try:
        if season is not None and season.kind == SeasonKind.OFF_SEASON:
            await _as_a_new_hold(session, booking, now)
        else:
            await _its_offered_unit(session, booking, now)
    except DomainError as refused:
        if refused.code == "hold_lost":
            raise
        raise Conflict(
            ErrorCode.HOLD_LOST,
            f"the hold expired and the stay cannot be taken again ({refused.code}): {refused.detail}",
        ) from refused


async def _as_a_new_hold(session: AsyncSession, booking: Booking, now: datetime) -> None:
    centre_code, type_code = (
        await session.execute(
            select(Centre.code, UnitType.code)
            .join(UnitType, UnitType.centre_id == Centre.id)
            .where(UnitType.id == booking.unit_type_id)
        )
    ).one()
    category = await repo.member_category_for_update(session, booking.member_id)
    centre = await centre_view(session, centre_code)
    locked = await repo.taken_nights_and_usage(
        session, [booking.unit_type_id], booking.arrival, booking.departure, now, booking.member_id
    )
    taken, usage = locked.taken, locked.usage
    found = await search_stay(
        session,
        centre_code=centre_code,
        arrival=booking.arrival,
        departure=booking.departure,
        guests=booking.guests,
        category=category,
        now=now,
        unit_type_code=type_code,
        centre=centre,
        taken=taken,
    )
    offer = found.offers[0] if found.offers else None
    if offer is None:
        raise RuleViolation(ErrorCode.NOT_OFFERED, f"{type_code} is no longer offered to your category")
    if offer.available < 1:
        raise Conflict(ErrorCode.SOLD_OUT, f"no {type_code} is left at {centre_code} for these dates")
    policy = await repo.policy(session, centre.version)
    check_member_limits(repo.limits_of(policy), usage, found.stay.night_count)
    code = await _promotion_code(session, booking)
    quote = await pricing_service.quote_for_hold(
        session, found, offer, category, booking.member_id, code, now
    )
    paid = Money(booking.total_minor, booking.currency)
    promotion_id = quote.promotion.id if quote.promotion else None
    if quote.total != paid or promotion_id != booking.promotion_id:
        raise Conflict(ErrorCode.PRICE_CHANGED, f"the stay now costs {quote.total}, not the {paid} paid")
    unit_id = booking.unit_id if booking.unit_id in offer.free_unit_ids else offer.free_unit_ids[0]
    await _take_nights(session, booking, now, unit_id, category)


async def _promotion_code(session: AsyncSession, booking: Booking) -> str | None:
    """The code the member typed, when the booking's promotion has one (the quote must find it again)."""
    if booking.promotion_id is None:
        return None
    return await session.scalar(select(Promotion.code).where(Promotion.id == booking.promotion_id))


async def _its_offered_unit(session: AsyncSession, booking: Booking, now: datetime) -> None:
    if not await repo.unit_is_free(
        session, booking.unit_id, booking.arrival, booking.departure, now, booking.id
    ):
        raise Conflict(ErrorCode.HOLD_LOST, "the hold expired and its unit has been taken since")
    await _take_nights(session, booking, now, booking.unit_id, booking.category)


async def _take_nights(
    session: AsyncSession, booking: Booking, now: datetime, unit_id: int, category: str
) -> None:
    await repo.release_nights(session, booking.id)
    await repo.clear_expired_nights(session, booking.unit_type_id, booking.arrival, booking.departure, now)
    booking.unit_id, booking.category = unit_id, category
    session.add_all(repo.nights_rows(booking, None))
