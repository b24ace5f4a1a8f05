"""Booking states, member limits and the cancellation policy, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.domain.cancellation import DEFAULT_POLICY, policy_from_tiers, refund_for
from booking.domain.limits import MemberLimits, MemberUsage, check_member_limits
from booking.domain.states import effective_status, transition
from kernel.errors import Conflict, RuleViolation
from kernel.money import MAD, Money

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        ("held", "pay", "confirmed"),
        ("held", "cancel", "cancelled"),
        ("held", "expire", "expired"),
        ("confirmed", "check_in", "checked_in"),
        ("confirmed", "cancel", "cancelled"),
        ("confirmed", "no_show", "no_show"),
        ("checked_in", "check_out", "checked_out"),
        ("no_show", "check_in", "checked_in"),
    ],
)
def test_the_allowed_transitions(state: str, event: str, after: str) -> None:
    assert transition(state, event) == after


@pytest.mark.parametrize(
    ("state", "event"),
    [
        ("cancelled", "pay"),
        ("expired", "pay"),
        ("confirmed", "pay"),
        ("checked_in", "cancel"),
        ("checked_out", "cancel"),
        ("held", "check_in"),
        ("no_show", "cancel"),
        ("cancelled", "cancel"),
    ],
)
def test_a_wrong_transition_is_a_conflict_that_names_it(state: str, event: str) -> None:
    with pytest.raises(Conflict) as refused:
        transition(state, event)
    assert refused.value.code == "invalid_transition"
    assert state in refused.value.detail


def test_a_hold_past_its_expiry_reads_as_expired_whatever_is_stored() -> None:
    assert effective_status("held", NOW, NOW) == "expired"
    assert effective_status("held", NOW + timedelta(seconds=1), NOW) == "held"
    assert effective_status("confirmed", None, NOW) == "confirmed"


LIMITS = MemberLimits(max_open_holds=1, max_off_season_nights_per_year=21)


def test_a_second_open_hold_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_member_limits(LIMITS, MemberUsage(open_holds=1, nights_this_year=0), new_nights=2)
    assert refused.value.code == "open_hold_limit"


def test_the_yearly_nights_may_be_reached_but_not_passed() -> None:
    check_member_limits(LIMITS, MemberUsage(open_holds=0, nights_this_year=17), new_nights=4)
    with pytest.raises(RuleViolation) as refused:
        check_member_limits(LIMITS, MemberUsage(open_holds=0, nights_this_year=18), new_nights=4)
    assert refused.value.code == "yearly_nights_limit"
    assert "3 left" in refused.value.detail
    assert refused.value.params == {"max_nights": 21, "left": 3}


ARRIVAL = datetime(2027, 1, 10, 14, tzinfo=UTC)
PAID = Money(100_000, MAD)


@pytest.mark.parametrize(
    ("notice", "refund"),
    [
        (timedelta(days=30), 100_000),
        (timedelta(days=7), 100_000),
        (timedelta(days=6, hours=23), 50_000),
        (timedelta(days=1), 50_000),
        (timedelta(hours=23), 0),
        (timedelta(seconds=1), 0),
        (timedelta(0), 0),
        (-timedelta(days=1), 0),
    ],
)
def test_the_default_policy_table(notice: timedelta, refund: int) -> None:
    assert refund_for(DEFAULT_POLICY, PAID, ARRIVAL, ARRIVAL - notice).amount == Money(refund, MAD)


def test_a_seasons_own_tiers_apply_in_order_of_notice_whatever_their_order_given() -> None:
    policy = policy_from_tiers(
        [{"days_before": 3, "refund_bp": 2500}, {"days_before": 30, "refund_bp": 10000}]
    )
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(days=40)).amount == PAID
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(days=10)).amount == Money(25_000, MAD)
    assert refund_for(policy, PAID, ARRIVAL, ARRIVAL - timedelta(days=2)).amount == Money(0, MAD)


def test_a_refund_rounds_down_to_the_centime_and_never_exceeds_what_was_paid() -> None:
    odd = Money(333, MAD)
    policy = policy_from_tiers([{"days_before": 0, "refund_bp": 5000}])
    assert refund_for(policy, odd, ARRIVAL, ARRIVAL - timedelta(hours=1)).amount == Money(166, MAD)
    nothing_paid = refund_for(DEFAULT_POLICY, Money(0, MAD), ARRIVAL, ARRIVAL - timedelta(days=30))
    assert nothing_paid.amount == Money(0, MAD)
