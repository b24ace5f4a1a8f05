"""What the member's booking pages say beside the booking itself, in the page's language: the refund
that cancelling now would give under the season's published policy (each tier, and which one applies),
and why a payment came back at once.

The domain gives its explanations in English sentences (``RefundTier.describe``, the booking's
``member_notice``); the pages say them again from the facts: the policy's tiers, and the refund's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import services
from booking.domain import cancellation, states
from inventory.domain.money import Money
from inventory.models import Season
from inventory.snapshot import centre_view
from payments.models import Payment, PaymentRefund


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The published policy, and where cancelling now falls in it."""

    tiers: tuple[cancellation.RefundTier, ...]
    applied: cancellation.RefundTier | None  # None: no tier's deadline is still ahead
    started: bool  # the stay has begun: nothing comes back

    @staticmethod
    def share(tier: cancellation.RefundTier) -> str:
        return f"{tier.refund_bp / 100:g}%"


async def refund_preview(
    session: AsyncSession, view: services.BookingView, now: datetime
) -> tuple[Money, PolicyView | None]:
    """What cancelling now would refund, by the same pure rule the cancellation applies; no policy to
    show when nothing was paid."""
    b = view.booking
    current = states.effective_status(b.status, b.hold_expires_at, now)
    paid = Money(b.total_minor if current == "confirmed" else 0, b.currency)
    if paid.amount_minor == 0:
        return paid, None
    centre = await centre_view(session, view.centre)
    season = await session.get(Season, b.season_id)
    tiers = season.cancellation_policy if season and season.cancellation_policy is not None else None
    policy = cancellation.policy_from_tiers(tiers) if tiers is not None else cancellation.DEFAULT_POLICY
    arrival_at = datetime.combine(b.arrival, centre.arrival_time, tzinfo=ZoneInfo(centre.time_zone))
    refund = cancellation.refund_for(policy, paid, arrival_at, now)
    return refund.amount, PolicyView(policy.tiers, refund.tier, now >= arrival_at)


async def hold_lost_refund(session: AsyncSession, booking_id: object) -> Money | None:
    """The refund given at once because the payment arrived after the hold was lost, if there was one
    (payments records it with the reason ``hold_lost`` when it writes the booking's notice)."""
    row = (
        await session.execute(
            select(PaymentRefund.amount_minor, PaymentRefund.currency)
            .join(Payment, Payment.id == PaymentRefund.payment_id)
            .where(Payment.booking_id == booking_id, PaymentRefund.reason == "hold_lost")
        )
    ).first()
    return Money(row[0], row[1]) if row else None
