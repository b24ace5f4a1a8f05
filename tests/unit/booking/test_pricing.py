"""The price of a stay: one promotion at most, within its caps, never below nothing nor above the stay.

Properties over random stays, promotions and usage, checked with hypothesis. The rules that pick a
promotion by their conditions are in test_promotions.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.domain.promotions import (
    Promotion,
    PromotionKind,
    StayFacts,
    Usage,
    promotion_can_be_used,
    quote,
)
from kernel.errors import RuleViolation
from kernel.money import MAD, Money

ARRIVAL = date(2027, 1, 10)
BOOKED_ON = date(2026, 11, 23)


def stay_of(nights: int) -> StayFacts:
    return StayFacts("ifrane", "studio", ARRIVAL, ARRIVAL + timedelta(days=nights), "active", BOOKED_ON)


nightly_prices = st.lists(
    st.integers(min_value=0, max_value=500_000).map(lambda minor: Money(minor, MAD)), min_size=1, max_size=21
)
money = st.integers(min_value=0, max_value=2_000_000).map(lambda minor: Money(minor, MAD))
promotions = st.builds(
    Promotion,
    id=st.integers(min_value=1, max_value=50),
    name=st.just("p"),
    kind=st.sampled_from(PromotionKind),
    percent_bp=st.integers(min_value=0, max_value=10_000),
    amount=money,
    stay_nights=st.integers(min_value=1, max_value=8),
    pay_nights=st.integers(min_value=0, max_value=8),
    exclusive=st.booleans(),
    max_uses=st.none() | st.integers(min_value=0, max_value=5),
    max_uses_per_member=st.none() | st.integers(min_value=0, max_value=3),
    budget=st.none() | st.integers(min_value=0, max_value=1_000_000).map(lambda minor: Money(minor, MAD)),
)
usages = st.builds(
    Usage,
    uses=st.integers(min_value=0, max_value=6),
    member_uses=st.integers(min_value=0, max_value=4),
    spent=st.integers(min_value=0, max_value=1_200_000).map(lambda minor: Money(minor, MAD)),
)
candidate_lists = st.lists(promotions, max_size=5, unique_by=lambda p: p.id)


@given(nightly=nightly_prices, candidates=candidate_lists, usage=st.lists(usages, min_size=5, max_size=5))
@settings(max_examples=300)
def test_a_total_is_the_subtotal_less_one_discount_and_stays_within_nothing_and_the_subtotal(
    nightly: list[Money], candidates: list[Promotion], usage: list[Usage]
) -> None:
    by_id = {p.id: u for p, u in zip(candidates, usage, strict=False)}
    priced = quote(nightly, stay_of(len(nightly)), candidates, by_id)
    assert priced.nights == len(nightly)
    assert priced.subtotal == Money(sum(m.amount_minor for m in nightly), MAD)
    assert priced.total == priced.subtotal - priced.discount
    assert Money(0, MAD) <= priced.total <= priced.subtotal
    assert (priced.promotion is None) == (priced.discount == Money(0, MAD))


@given(nightly=nightly_prices, promotion=promotions, usage=usages)
@settings(max_examples=300)
def test_the_discount_never_exceeds_what_is_left_of_the_budget(
    nightly: list[Money], promotion: Promotion, usage: Usage
) -> None:
    priced = quote(nightly, stay_of(len(nightly)), [promotion], {promotion.id: usage})
    if promotion.budget is not None:
        assert priced.discount <= (promotion.budget - usage.spent).clamp(Money(0, MAD), promotion.budget)


@given(nightly=nightly_prices, candidates=candidate_lists)
@settings(max_examples=300)
def test_only_one_promotion_applies_its_discount_being_what_it_gives_alone(
    nightly: list[Money], candidates: list[Promotion]
) -> None:
    stay = stay_of(len(nightly))
    priced = quote(nightly, stay, candidates, {})
    if priced.promotion is not None:
        assert quote(nightly, stay, [priced.promotion], {}).discount == priced.discount


@given(nightly=nightly_prices, candidates=candidate_lists)
@settings(max_examples=300)
def test_the_chosen_promotion_is_at_least_as_good_as_every_applicable_one_of_its_kind(
    nightly: list[Money], candidates: list[Promotion]
) -> None:
    """Exclusive ones are compared among themselves; without any, every applicable one competes."""
    stay = stay_of(len(nightly))
    priced = quote(nightly, stay, candidates, {})
    alone = [(p, quote(nightly, stay, [p], {}).discount) for p in candidates]
    applicable = [(p, discount) for p, discount in alone if discount > Money(0, MAD)]
    pool = [(p, d) for p, d in applicable if p.exclusive] or applicable
    assert (priced.promotion is None) == (not pool)
    assert all(priced.discount >= discount for _p, discount in pool)
    assert priced.promotion is None or priced.promotion.exclusive == any(p.exclusive for p, _d in pool)


@given(nightly=nightly_prices, promotion=promotions, usage=usages)
@settings(max_examples=300)
def test_a_discount_quoted_on_the_current_usage_passes_the_commit_check(
    nightly: list[Money], promotion: Promotion, usage: Usage
) -> None:
    priced = quote(nightly, stay_of(len(nightly)), [promotion], {promotion.id: usage})
    if priced.promotion is not None:
        assert promotion_can_be_used(promotion, usage, priced.discount)


members = st.integers(min_value=0, max_value=3)
bookings = st.lists(st.tuples(nightly_prices, members, st.integers(min_value=0, max_value=3)), max_size=30)


@given(promotion=promotions, bookings=bookings)
@settings(max_examples=300)
def test_caps_hold_when_bookings_quoted_on_stale_usage_are_recorded_one_after_another(
    promotion: Promotion, bookings: list[tuple[list[Money], int, int]]
) -> None:
    """Each booking is quoted on a reading of the usage up to `lag` uses old (another hold got there
    first), then recorded only when the commit check on the current usage agrees, as under the lock."""
    history: list[tuple[int, Money]] = []  # (member, discount) of each recorded use, oldest first

    def usage_for(member: int, recorded: list[tuple[int, Money]]) -> Usage:
        spent = sum((discount for _m, discount in recorded), Money(0, MAD))
        return Usage(len(recorded), sum(1 for m, _d in recorded if m == member), spent)

    for nightly, member, lag in bookings:
        stale = usage_for(member, history[: max(0, len(history) - lag)])
        priced = quote(nightly, stay_of(len(nightly)), [promotion], {promotion.id: stale})
        if priced.promotion and promotion_can_be_used(promotion, usage_for(member, history), priced.discount):
            history.append((member, priced.discount))

    assert promotion.max_uses is None or len(history) <= promotion.max_uses
    for member in {m for m, _d in history}:
        mine = sum(1 for m, _d in history if m == member)
        assert promotion.max_uses_per_member is None or mine <= promotion.max_uses_per_member
    assert promotion.budget is None or sum((d for _m, d in history), Money(0, MAD)) <= promotion.budget


CAPPED = Promotion(
    id=1, name="winter", kind=PromotionKind.FIXED, amount=Money(30_000, MAD),
    max_uses=3, max_uses_per_member=1, budget=Money(100_000, MAD),
)  # fmt: skip


@pytest.mark.parametrize(
    ("usage", "discount", "allowed"),
    [
        (Usage(), Money(30_000, MAD), True),
        (Usage(uses=3), Money(30_000, MAD), False),
        (Usage(uses=2, member_uses=1), Money(30_000, MAD), False),
        (Usage(uses=2, spent=Money(70_000, MAD)), Money(30_000, MAD), True),
        (Usage(uses=2, spent=Money(70_001, MAD)), Money(30_000, MAD), False),
        (Usage(uses=2, spent=Money(90_000, MAD)), Money(10_000, MAD), True),
    ],
)
def test_the_commit_check_refuses_a_use_past_any_cap(usage: Usage, discount: Money, allowed: bool) -> None:
    assert promotion_can_be_used(CAPPED, usage, discount) is allowed


def test_the_commit_check_refuses_a_paused_promotion() -> None:
    paused = Promotion(id=1, name="winter", kind=PromotionKind.PERCENTAGE, percent_bp=1000, paused=True)
    assert not promotion_can_be_used(paused, Usage(), Money(1_000, MAD))


def test_a_stay_without_nights_has_no_price() -> None:
    with pytest.raises(RuleViolation) as refused:
        quote([], stay_of(0), [], {})
    assert refused.value.code == "invalid_stay"
