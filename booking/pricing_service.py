"""Prices with promotions, for availability and for holds: the same rule, fed from the database.

For a hold, the promotions that may apply and carry caps are locked first (their rows, in id order,
after the unit-type lock), then their live uses are counted: two holds can never both take the last use
or the last of a budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, Table, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from booking.domain import promotions as rules
from booking.models import Promotion
from booking.repository import BOOKINGS, live_booking_row
from inventory.domain.calendar import local_today
from inventory.services import StaySearch, TypeOffer, search_stay
from inventory.snapshot import versioned
from kernel.errors import RuleViolation
from kernel.money import MAD, Money


def promotion_rule(row: Promotion) -> rules.Promotion:
    return rules.Promotion(
        id=row.id,
        name=row.name,
        kind=rules.PromotionKind(row.kind),
        percent_bp=row.percent_bp or 0,
        amount=Money(row.amount_minor or 0, MAD),
        stay_nights=row.stay_nights or 0,
        pay_nights=row.pay_nights or 0,
        code=row.code,
        centres=frozenset(row.centres),
        unit_types=frozenset(row.unit_types),
        categories=frozenset(row.categories),
        arrival_weekdays=frozenset(row.arrival_weekdays),
        stay_from=row.stay_from,
        stay_until=row.stay_until,
        book_from=row.book_from,
        book_until=row.book_until,
        min_nights=row.min_nights,
        exclusive=row.exclusive,
        paused=row.paused,
        max_uses=row.max_uses,
        max_uses_per_member=row.max_uses_per_member,
        budget=Money(row.budget_minor, MAD) if row.budget_minor is not None else None,
    )


async def active_promotions(session: AsyncSession, version: int) -> list[rules.Promotion]:
    """Promotions not paused, cached on the inventory version (staff changes move it)."""

    async def load() -> list[rules.Promotion]:
        rows = await session.scalars(
            select(Promotion).where(Promotion.paused.is_(False)).order_by(Promotion.id)
        )
        return [promotion_rule(row) for row in rows]

    return await versioned(session, "active_promotions", version, load)


_PROMOTIONS: Table = Promotion.__table__  # type: ignore[assignment]
# Statements of every hold that meets capped promotions, built once on the tables.
_USAGE = (
    select(
        BOOKINGS.c.promotion_id,
        func.count(),
        func.sum(case((BOOKINGS.c.member_id == bindparam("member_id"), 1), else_=0)).cast(Integer),
        func.coalesce(func.sum(BOOKINGS.c.discount_minor), 0),
    )
    .where(
        BOOKINGS.c.promotion_id.in_(bindparam("promotion_ids", expanding=True)),
        live_booking_row(bindparam("now")),
    )
    .group_by(BOOKINGS.c.promotion_id)
)
_LOCK_PROMOTIONS = (
    update(_PROMOTIONS)
    .where(_PROMOTIONS.c.id.in_(bindparam("promotion_ids", expanding=True)))
    .values(lock_version=_PROMOTIONS.c.lock_version + 1)
)


async def usage_of(
    session: AsyncSession, promotion_ids: Sequence[int], member_id: int | None, now: datetime
) -> dict[int, rules.Usage]:
    """Live uses per promotion: held-and-alive or confirmed-onwards bookings that carry it."""
    if not promotion_ids:
        return {}
    parameters = {"promotion_ids": list(promotion_ids), "member_id": member_id, "now": now}
    rows = await session.execute(_USAGE, parameters)
    return {
        pid: rules.Usage(uses, member_uses or 0, Money(spent, MAD)) for pid, uses, member_uses, spent in rows
    }


def stay_facts(search: StaySearch, offer: TypeOffer, category: str, now: datetime) -> rules.StayFacts:
    return rules.StayFacts(
        centre=search.centre.code,
        unit_type=offer.unit_type.code,
        arrival=search.stay.arrival,
        departure=search.stay.departure,
        category=category,
        booked_on=local_today(now, search.centre.time_zone),
    )


async def quotes_for_search(
    session: AsyncSession,
    search: StaySearch,
    category: str,
    member_id: int,
    now: datetime,
    promo_code: str | None = None,
) -> dict[str, PricedQuote]:
    """Availability's prices: the automatic promotions, and the typed code's where it applies (a unit
    type it does not apply to keeps its automatic price and says why). Nothing is locked: the hold
    checks the caps again under its lock, so a price seen here can still lose its last use."""
    active = await active_promotions(session, search.centre.version)
    wanted = promo_code.strip() if promo_code and promo_code.strip() else None
    candidates = [p for p in active if p.code is None or _same_code(p.code, wanted)]
    automatic = [p for p in candidates if p.code is None]
    usage = await usage_of(session, [p.id for p in candidates if p.has_caps], member_id, now)
    priced: dict[str, PricedQuote] = {}
    for offer in search.offers:
        nightly = [price for _night, price in offer.nightly]
        facts = stay_facts(search, offer, category, now)
        try:
            priced[offer.unit_type.code] = PricedQuote(rules.quote(nightly, facts, candidates, usage, wanted))
        except RuleViolation as refused:
            priced[offer.unit_type.code] = PricedQuote(rules.quote(nightly, facts, automatic, usage), refused)
    return priced


@dataclass(frozen=True, slots=True)
class PricedQuote:
    quote: rules.Quote
    code_refused: RuleViolation | None = None


async def quote_for_hold(
    session: AsyncSession,
    search: StaySearch,
    offer: TypeOffer,
    category: str,
    member_id: int,
    promo_code: str | None,
    now: datetime,
) -> rules.Quote:
    candidates = await active_promotions(session, search.centre.version)
    facts = stay_facts(search, offer, category, now)
    capped = sorted(
        p.id
        for p in candidates
        if p.has_caps
        and rules.why_not(p, facts) is None
        and (p.code is None or _same_code(p.code, promo_code))
    )
    if capped:
        await session.execute(_LOCK_PROMOTIONS, {"promotion_ids": capped})
    usage = await usage_of(session, capped, member_id, now)
    return rules.quote([price for _night, price in offer.nightly], facts, candidates, usage, promo_code)


def _same_code(code: str, given: str | None) -> bool:
    return given is not None and code.upper() == given.strip().upper()


@dataclass(frozen=True, slots=True)
class PricedOffer:
    offer: TypeOffer
    quote: rules.Quote
    code_refused: RuleViolation | None = None  # the typed code does not apply to this unit type: why


async def search_with_quotes(
    session: AsyncSession,
    member: Identity,
    *,
    centre: str,
    arrival: date,
    departure: date,
    guests: int,
    now: datetime,
    promo_code: str | None = None,
) -> list[PricedOffer]:
    """What the member can book for a stay, at their tariff and the automatic promotions (and a typed
    promotion code's, where it applies): the one function behind GET /api/availability and the search
    page."""
    category = member.category or ""
    found = await search_stay(
        session,
        centre_code=centre,
        arrival=arrival,
        departure=departure,
        guests=guests,
        category=category,
        now=now,
    )
    quotes = await quotes_for_search(session, found, category, member.user_id, now, promo_code)
    return [
        PricedOffer(offer, quotes[offer.unit_type.code].quote, quotes[offer.unit_type.code].code_refused)
        for offer in found.offers
    ]
