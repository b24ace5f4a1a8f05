"""The published cancellation policy: how much of what was paid comes back, by notice given.

A policy is an ordered list of tiers "at least D days before arrival → R basis points refunded". The
tier's deadline is the arrival hour at the centre, D calendar days before the arrival day, on the
centre's clock: "7 days before a 10 July arrival at 14:00" is 3 July at 14:00 local time, as the
published policy reads, even when the clocks change in between (Morocco moves them around Ramadan).
Of the tiers whose deadline has not passed, the one with the largest D applies, whatever order the tiers
were given in; after the last deadline, and always once the stay has begun, nothing is refunded. A
refund is a share of what was paid rounded down to the centime: never negative, never more than paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kernel.money import Money


@dataclass(frozen=True, slots=True)
class RefundTier:
    days_before: int
    refund_bp: int

    def describe(self) -> str:
        share = f"{self.refund_bp / 100:g}%"
        return f"{share} refunded when cancelled at least {self.days_before} day(s) before arrival"


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    tiers: tuple[RefundTier, ...]  # most generous (largest days_before) first


@dataclass(frozen=True, slots=True)
class Refund:
    amount: Money
    rule: str  # in English, for logs and the API
    tier: RefundTier | None = None  # the tier applied; None when no tier's deadline was still ahead


DEFAULT_POLICY = CancellationPolicy((RefundTier(7, 10_000), RefundTier(1, 5_000)))


def policy_from_tiers(tiers: Sequence[dict[str, int]]) -> CancellationPolicy:
    ordered = sorted(
        (RefundTier(t["days_before"], t["refund_bp"]) for t in tiers), key=lambda t: -t.days_before
    )
    return CancellationPolicy(tuple(ordered))


def refund_for(
    policy: CancellationPolicy, paid: Money, arrival_at: datetime, cancelled_at: datetime
) -> Refund:
    """Never negative, never more than paid, nothing once the stay has begun.

    `arrival_at` is the arrival day's arrival hour in the centre's time zone (its deadlines are read on
    that clock); `cancelled_at` is any aware instant.
    """
    if arrival_at.utcoffset() is None or cancelled_at.utcoffset() is None:
        raise ValueError("cancellation instants must be time-zone aware")
    if cancelled_at >= arrival_at or paid.amount_minor <= 0:
        return Refund(Money.zero(paid.currency), "no refund once the stay has begun")
    # Subtracting days from an aware datetime moves its wall clock, not the elapsed time: that is the
    # deadline the published policy states. Comparing two aware datetimes compares the instants.
    open_tiers = [t for t in policy.tiers if cancelled_at <= arrival_at - timedelta(days=t.days_before)]
    if not open_tiers:
        return Refund(Money.zero(paid.currency), "no refund with this little notice")
    tier = max(open_tiers, key=lambda t: t.days_before)
    return Refund(paid.percent(min(max(tier.refund_bp, 0), 10_000)), tier.describe(), tier)
