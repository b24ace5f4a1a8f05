"""What the member's booking pages say beside the booking itself, in the page's language: the refund
that cancelling now would give under the season's published policy (each tier, and the one the rule
applied). The domain's English sentences (``RefundTier.describe``) are said again from the tiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from booking import services
from booking.domain import cancellation, states
from inventory.models import Season
from inventory.snapshot import centre_view
from kernel.money import Money


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The published policy, and where cancelling now falls in it."""

    tiers: tuple[cancellation.RefundTier, ...]
    applied: cancellation.RefundTier | None  # None: no tier's deadline is still ahead
    started: bool  # the stay has begun: nothing comes back

    @staticmethod
    def share(tier: cancellation.RefundTier) -> float:
        """The part of the price a tier refunds (0.5 for half); the page writes it as its language does."""
        return tier.refund_bp / 10_000


async def refund_preview(
    session: AsyncSession, view: services.BookingView, now: datetime
) -> tuple[Money, PolicyView | None]:
    """What cancelling now would refund, by the same pure rule the cancellation applies; no policy to
    show when nothing was paid."""
    b = view.booking
    current = states.effective_status(b.status, b.hold_expires_at, now)
    paid = Money(b.total_minor if current == states.CONFIRMED else 0, b.currency)
    if paid.amount_minor == 0:
        return paid, None
    centre = await centre_view(session, view.centre)
    season = await session.get(Season, b.season_id)
    tiers = season.cancellation_policy if season and season.cancellation_policy is not None else None
    policy = cancellation.policy_from_tiers(tiers) if tiers is not None else cancellation.DEFAULT_POLICY
    arrival_at = datetime.combine(b.arrival, centre.arrival_time, tzinfo=ZoneInfo(centre.time_zone))
    refund = cancellation.refund_for(policy, paid, arrival_at, now)
    return refund.amount, PolicyView(policy.tiers, refund.tier, now >= arrival_at)
