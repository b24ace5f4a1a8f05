"""The cancellation policy: refunds by notice, per season's tiers, on the centre's clock.

The default policy's table is in test_lifecycle_rules.py; here, a season's own tiers, the clock change,
and the bounds that hold for any policy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.domain.cancellation import (
    DEFAULT_POLICY,
    CancellationPolicy,
    RefundTier,
    policy_from_tiers,
    refund_for,
)
from kernel.money import MAD, Money

CASABLANCA = ZoneInfo("Africa/Casablanca")
ARRIVAL = datetime(2027, 7, 10, 14, tzinfo=CASABLANCA)
PAID = Money(240_000, MAD)
# A season that refunds 100% a month ahead, 75% a fortnight ahead, 25% up to the eve; given out of order.
SUMMER = CancellationPolicy((RefundTier(1, 2_500), RefundTier(30, 10_000), RefundTier(14, 7_500)))


@pytest.mark.parametrize(
    ("cancelled_at", "refund", "rule"),
    [
        (datetime(2027, 5, 1, 9, tzinfo=CASABLANCA), 240_000, "at least 30 day(s)"),
        (datetime(2027, 6, 10, 14, tzinfo=CASABLANCA), 240_000, "at least 30 day(s)"),
        (datetime(2027, 6, 10, 14, 1, tzinfo=CASABLANCA), 180_000, "at least 14 day(s)"),
        (datetime(2027, 6, 26, 14, tzinfo=CASABLANCA), 180_000, "at least 14 day(s)"),
        (datetime(2027, 7, 1, 8, tzinfo=CASABLANCA), 60_000, "at least 1 day(s)"),
        (datetime(2027, 7, 9, 14, tzinfo=CASABLANCA), 60_000, "at least 1 day(s)"),
        (datetime(2027, 7, 9, 14, 1, tzinfo=CASABLANCA), 0, "little notice"),
        (datetime(2027, 7, 10, 14, tzinfo=CASABLANCA), 0, "begun"),
        (datetime(2027, 7, 12, 10, tzinfo=CASABLANCA), 0, "begun"),
    ],
)
def test_a_seasons_tiers_apply_by_notice_whatever_order_they_were_given_in(
    cancelled_at: datetime, refund: int, rule: str
) -> None:
    refunded = refund_for(SUMMER, PAID, ARRIVAL, cancelled_at)
    assert refunded.amount == Money(refund, MAD)
    assert rule in refunded.rule


def test_the_refund_names_the_tier_it_applied_and_none_when_no_deadline_is_ahead() -> None:
    policy = CancellationPolicy((RefundTier(14, 7_500), RefundTier(30, 10_000), RefundTier(1, 2_500)))
    fortnight = refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(days=20))
    assert fortnight.tier is policy.tiers[0]
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(days=40)).tier == RefundTier(30, 10_000)
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(hours=2)).tier is None
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL + timedelta(hours=2)).tier is None


def test_a_deadline_is_the_arrival_hour_on_the_centres_clock_across_a_clock_change() -> None:
    # Casablanca moves from +01 to +00 on 7 February 2027. For a 10 February arrival at 14:00, the 7-day
    # deadline is 3 February at 14:00 local, 13:00 UTC, although 7 x 24 hours before arrival is 14:00 UTC.
    arrival = datetime(2027, 2, 10, 14, tzinfo=CASABLANCA)
    just_before = datetime(2027, 2, 3, 12, 59, tzinfo=UTC)
    just_after = datetime(2027, 2, 3, 13, 1, tzinfo=UTC)
    assert refund_for(DEFAULT_POLICY, PAID, arrival, just_before).amount == PAID
    assert refund_for(DEFAULT_POLICY, PAID, arrival, just_after).amount == Money(120_000, MAD)


def test_the_same_instant_gets_the_same_refund_whatever_zone_it_is_written_in() -> None:
    cancelled = datetime(2027, 7, 3, 13, 30, tzinfo=UTC)
    local = refund_for(DEFAULT_POLICY, PAID, ARRIVAL, cancelled.astimezone(CASABLANCA))
    assert refund_for(DEFAULT_POLICY, PAID, ARRIVAL, cancelled) == local


def test_naive_instants_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="aware"):
        refund_for(DEFAULT_POLICY, PAID, ARRIVAL, datetime(2027, 7, 1, 12))


def test_stored_tiers_become_a_policy_and_a_policy_without_tiers_refunds_nothing() -> None:
    stored = [{"days_before": 7, "refund_bp": 10_000}, {"days_before": 1, "refund_bp": 5_000}]
    assert policy_from_tiers(stored) == DEFAULT_POLICY
    early = datetime(2027, 5, 1, tzinfo=UTC)
    assert refund_for(CancellationPolicy(()), PAID, ARRIVAL, early).amount == Money(0, MAD)


tiers = st.lists(
    st.builds(
        RefundTier, st.integers(min_value=0, max_value=60), st.integers(min_value=-500, max_value=12_000)
    ),
    max_size=4,
)
notices = st.integers(min_value=-10 * 24 * 60, max_value=90 * 24 * 60).map(lambda m: timedelta(minutes=m))


@given(tiers=tiers, paid=st.integers(min_value=-1_000, max_value=5_000_000), notice=notices)
def test_a_refund_is_never_negative_nor_more_than_paid_whatever_the_policy(
    tiers: list[RefundTier], paid: int, notice: timedelta
) -> None:
    refunded = refund_for(CancellationPolicy(tuple(tiers)), Money(paid, MAD), ARRIVAL, ARRIVAL - notice)
    assert Money(0, MAD) <= refunded.amount <= Money(max(paid, 0), MAD)


@given(earlier=notices, later=notices)
def test_under_the_default_policy_cancelling_later_never_refunds_more(
    earlier: timedelta, later: timedelta
) -> None:
    first, second = sorted([earlier, later], reverse=True)  # more notice first
    more_notice = refund_for(DEFAULT_POLICY, PAID, ARRIVAL, ARRIVAL - first).amount
    less_notice = refund_for(DEFAULT_POLICY, PAID, ARRIVAL, ARRIVAL - second).amount
    assert less_notice <= more_notice
