"""The published cancellation policy: how much of what was paid comes back, by notice given.

A policy is an ordered list of tiers "at least D days before arrival → R basis points refunded". The
notice is measured from the cancellation instant to the arrival day's arrival hour at the centre; the
first tier whose D the notice reaches applies; after arrival nothing is refunded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from inventory.domain.money import Money


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
    rule: str


DEFAULT_POLICY = CancellationPolicy((RefundTier(7, 10_000), RefundTier(1, 5_000)))


def policy_from_tiers(tiers: Sequence[dict[str, int]]) -> CancellationPolicy:
    ordered = sorted(
        (RefundTier(t["days_before"], t["refund_bp"]) for t in tiers), key=lambda t: -t.days_before
    )
    return CancellationPolicy(tuple(ordered))


def refund_for(
    policy: CancellationPolicy, paid: Money, arrival_at: datetime, cancelled_at: datetime
) -> Refund:
    """Never negative, never more than paid, nothing once the stay has begun."""
    notice = arrival_at - cancelled_at
    if notice <= timedelta(0) or paid.amount_minor <= 0:
        return Refund(Money.zero(paid.currency), "no refund once the stay has begun")
    for tier in policy.tiers:
        if notice >= timedelta(days=tier.days_before):
            amount = paid.percent(min(max(tier.refund_bp, 0), 10_000))
            return Refund(amount, tier.describe())
    return Refund(Money.zero(paid.currency), "no refund with this little notice")
