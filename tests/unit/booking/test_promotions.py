"""Which promotion a stay gets, and what it takes off, without I/O; properties checked with hypothesis."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.domain.promotions import (
    Promotion,
    PromotionKind,
    StayFacts,
    Usage,
    allowed_discount,
    quote,
    raw_discount,
    why_not,
)
from kernel.errors import RuleViolation
from kernel.money import MAD, Money

STAY = StayFacts(
    "ifrane", "studio", date(2027, 1, 10), date(2027, 1, 17), "active", booked_on=date(2026, 11, 23)
)
WEEK = [Money(25_000, MAD)] * 5 + [Money(30_000, MAD)] * 2  # Sunday to Saturday, weekend dearer


def promo(id_: int = 1, kind: PromotionKind = PromotionKind.PERCENTAGE, **fields: object) -> Promotion:
    return Promotion(id=id_, name=f"promo {id_}", kind=kind, **fields)  # type: ignore[arg-type]


def test_stay_7_pay_6_frees_the_cheapest_night() -> None:
    seven_six = promo(kind=PromotionKind.STAY_PAY, stay_nights=7, pay_nights=6)
    assert raw_discount(seven_six, WEEK) == Money(25_000, MAD)


def test_stay_3_pay_2_counts_only_complete_blocks() -> None:
    three_two = promo(kind=PromotionKind.STAY_PAY, stay_nights=3, pay_nights=2)
    assert raw_discount(three_two, WEEK) == Money(50_000, MAD)  # two blocks in seven nights
    assert raw_discount(three_two, WEEK[:2]) == Money(0, MAD)


def test_a_percentage_rounds_down_and_a_fixed_amount_never_exceeds_the_stay() -> None:
    assert raw_discount(promo(percent_bp=3333), [Money(10_001, MAD)]) == Money(3333, MAD)
    assert raw_discount(promo(kind=PromotionKind.FIXED, amount=Money(999_999, MAD)), WEEK) == Money(
        sum(m.amount_minor for m in WEEK), MAD
    )


def test_the_best_automatic_promotion_applies_and_only_one() -> None:
    ten, twenty = promo(1, percent_bp=1000), promo(2, percent_bp=2000)
    priced = quote(WEEK, STAY, [ten, twenty], {})
    assert priced.promotion == twenty
    assert priced.total == Money(185_000 * 8 // 10, MAD)


def test_an_exclusive_promotion_wins_even_when_smaller() -> None:
    big, exclusive = promo(1, percent_bp=3000), promo(2, percent_bp=1000, exclusive=True)
    assert quote(WEEK, STAY, [big, exclusive], {}).promotion == exclusive


def test_equal_discounts_go_to_the_older_promotion() -> None:
    assert quote(WEEK, STAY, [promo(7, percent_bp=1000), promo(3, percent_bp=1000)], {}).promotion.id == 3  # type: ignore[union-attr]


def test_a_code_promotion_needs_its_code_in_any_case() -> None:
    coded = promo(1, percent_bp=1500, code="IFRANE15")
    assert quote(WEEK, STAY, [coded], {}).promotion is None
    assert quote(WEEK, STAY, [coded], {}, code="ifrane15").promotion == coded


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"centres": frozenset({"saidia"})}, "centre"),
        ({"unit_types": frozenset({"apt2"})}, "unit type"),
        ({"categories": frozenset({"retired"})}, "category"),
        ({"min_nights": 8}, "at least 8 nights"),
        ({"arrival_weekdays": frozenset({5})}, "arrival day"),
        ({"stay_until": date(2027, 1, 12)}, "dates"),
        ({"stay_from": date(2027, 1, 11)}, "dates"),
        ({"book_until": date(2026, 11, 1)}, "no longer open"),
        ({"book_from": date(2026, 12, 1)}, "not yet open"),
        ({"paused": True}, "paused"),
        ({"max_uses": 3}, "used up"),
    ],
)
def test_a_code_that_cannot_apply_is_refused_with_its_reason(fields: dict[str, Any], reason: str) -> None:
    coded = promo(1, percent_bp=1500, code="WINTER", **fields)
    usage = {1: Usage(uses=3)}
    with pytest.raises(RuleViolation) as refused:
        quote(WEEK, STAY, [coded], usage, code="WINTER")
    assert refused.value.code == "promo_not_applicable"
    assert refused.value.field == "promo_code"
    assert reason in refused.value.detail


def test_a_promotion_that_excludes_a_stay_on_several_counts_gives_the_first_in_a_fixed_order() -> None:
    """What the member reads is one reason: paused, then centre, unit type, category, length, arrival
    day, dates, and whether it is open for booking; each shows once those before it are met."""
    failing: dict[str, Any] = {
        "paused": True,
        "centres": frozenset({"saidia"}),
        "unit_types": frozenset({"apt2"}),
        "categories": frozenset({"retired"}),
        "min_nights": 8,
        "arrival_weekdays": frozenset({5}),
        "stay_until": date(2027, 1, 12),
        "book_from": date(2026, 12, 1),
    }
    met: dict[str, Any] = {
        "paused": False,
        "centres": frozenset({"ifrane"}),
        "unit_types": frozenset({"studio"}),
        "categories": frozenset({"active"}),
        "min_nights": 7,
        "arrival_weekdays": frozenset({STAY.arrival.isoweekday()}),
        "stay_until": date(2027, 1, 16),
        "book_from": date(2026, 11, 23),
    }
    reasons = []
    for name in failing:
        refusal = why_not(promo(**failing), STAY)
        reasons.append(refusal.reason if refusal else None)
        failing[name] = met[name]
    assert reasons == [
        "paused",
        "centre",
        "unit_type",
        "category",
        "min_nights",
        "arrival_weekday",
        "dates",
        "not_open_yet",
    ]
    assert why_not(promo(**failing), STAY) is None
    assert why_not(promo(**failing, book_until=date(2026, 11, 22)), STAY) is not None


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(RuleViolation, match="no promotion has this code"):
        quote(WEEK, STAY, [], {}, code="NOPE")


def test_the_last_night_of_a_stay_window_counts_not_the_departure_day() -> None:
    until_last_night = promo(percent_bp=1000, stay_until=date(2027, 1, 16))
    assert quote(WEEK, STAY, [until_last_night], {}).promotion == until_last_night


def test_caps_stop_a_promotion_and_the_budget_shrinks_the_last_discount() -> None:
    capped = promo(percent_bp=5000, max_uses=2, max_uses_per_member=1, budget=Money(100_000, MAD))
    assert allowed_discount(capped, Usage(uses=2), Money(10, MAD)) == Money(0, MAD)
    assert allowed_discount(capped, Usage(member_uses=1), Money(10, MAD)) == Money(0, MAD)
    assert allowed_discount(capped, Usage(spent=Money(95_000, MAD)), Money(20_000, MAD)) == Money(5_000, MAD)
    assert allowed_discount(capped, Usage(spent=Money(100_000, MAD)), Money(20_000, MAD)) == Money(0, MAD)


nightly_prices = st.lists(
    st.integers(min_value=0, max_value=500_000).map(lambda minor: Money(minor, MAD)), min_size=1, max_size=21
)
promotions = st.builds(
    Promotion,
    id=st.integers(min_value=1, max_value=50),
    name=st.just("p"),
    kind=st.sampled_from(PromotionKind),
    percent_bp=st.integers(min_value=0, max_value=10_000),
    amount=st.integers(min_value=0, max_value=2_000_000).map(lambda minor: Money(minor, MAD)),
    stay_nights=st.integers(min_value=0, max_value=10),
    pay_nights=st.integers(min_value=0, max_value=10),
    exclusive=st.booleans(),
    max_uses=st.none() | st.integers(min_value=0, max_value=5),
    max_uses_per_member=st.none() | st.integers(min_value=0, max_value=3),
    budget=st.none() | st.integers(min_value=0, max_value=1_000_000).map(lambda minor: Money(minor, MAD)),
)


def _stay(nights: int) -> StayFacts:
    return StayFacts(
        "ifrane", "studio", STAY.arrival, STAY.arrival + timedelta(days=nights), "active", STAY.booked_on
    )


@given(nightly=nightly_prices, candidates=st.lists(promotions, max_size=5, unique_by=lambda p: p.id))
@settings(max_examples=300)
def test_a_price_is_never_negative_nor_above_the_undiscounted_one(
    nightly: list[Money], candidates: list[Promotion]
) -> None:
    priced = quote(nightly, _stay(len(nightly)), candidates, {})
    assert 0 <= priced.total.amount_minor <= priced.subtotal.amount_minor
    assert priced.subtotal == Money(sum(m.amount_minor for m in nightly), MAD)


@given(
    nightly=nightly_prices, candidates=st.lists(promotions, min_size=1, max_size=5, unique_by=lambda p: p.id)
)
@settings(max_examples=300)
def test_the_chosen_promotion_is_at_least_as_good_as_any_other_in_its_pool(
    nightly: list[Money], candidates: list[Promotion]
) -> None:
    priced = quote(nightly, _stay(len(nightly)), candidates, {})
    if priced.promotion is None:
        return

    def offered(p: Promotion) -> Money:
        return allowed_discount(p, Usage(), raw_discount(p, nightly))

    applicable = [p for p in candidates if offered(p).amount_minor > 0]
    pool = [p for p in applicable if p.exclusive] or applicable
    assert priced.promotion in pool
    assert all(priced.discount >= offered(other) for other in pool)


@given(promotion=promotions, bookings=st.lists(st.tuples(nightly_prices, st.integers(0, 3)), max_size=30))
@settings(max_examples=200)
def test_caps_hold_when_uses_are_recorded_one_after_another(
    promotion: Promotion, bookings: list[tuple[list[Money], int]]
) -> None:
    """Replays bookings as the service does under the promotion's lock: quote, then record the use."""
    uses, spent, per_member = 0, Money(0, MAD), [0, 0, 0, 0]
    for nightly, member in bookings:
        usage = Usage(uses, per_member[member], spent)
        priced = quote(nightly, _stay(len(nightly)), [promotion], {promotion.id: usage})
        if priced.promotion is not None:
            uses, spent = uses + 1, spent + priced.discount
            per_member[member] += 1
    assert promotion.max_uses is None or uses <= promotion.max_uses
    assert promotion.max_uses_per_member is None or max(per_member) <= promotion.max_uses_per_member
    assert promotion.budget is None or spent <= promotion.budget


def test_a_blank_code_counts_as_no_code() -> None:
    automatic = promo(1, percent_bp=1000)
    assert quote(WEEK, STAY, [automatic], {}, code="   ").promotion == automatic


def test_a_code_is_matched_whatever_its_case_and_surrounding_spaces() -> None:
    coded = promo(1, percent_bp=1500, code="IFRANE15")
    assert quote(WEEK, STAY, [coded], {}, code="  Ifrane15 ").promotion == coded


def test_a_code_shared_by_several_promotions_is_accepted_when_one_of_them_applies() -> None:
    at_saidia = promo(1, percent_bp=2000, code="WINTER", centres=frozenset({"saidia"}))
    at_ifrane = promo(2, percent_bp=1000, code="WINTER", centres=frozenset({"ifrane"}))
    assert quote(WEEK, STAY, [at_ifrane, at_saidia], {}, code="winter").promotion == at_ifrane
    assert quote(WEEK, STAY, [at_saidia, at_ifrane], {}, code="winter").promotion == at_ifrane


def test_a_code_shared_by_several_promotions_is_refused_with_each_reason_when_none_applies() -> None:
    at_saidia = promo(1, percent_bp=2000, code="WINTER", centres=frozenset({"saidia"}))
    retired = promo(2, percent_bp=1000, code="WINTER", categories=frozenset({"retired"}))
    with pytest.raises(RuleViolation) as refused:
        quote(WEEK, STAY, [at_saidia, retired], {}, code="WINTER")
    assert "centre" in refused.value.detail
    assert "category" in refused.value.detail


def test_a_stay_pay_code_on_a_too_short_stay_is_refused_as_too_short_not_as_used_up() -> None:
    seven_six = promo(kind=PromotionKind.STAY_PAY, stay_nights=7, pay_nights=6, code="WEEK")
    with pytest.raises(RuleViolation) as refused:
        quote(WEEK[:5], _stay(5), [seven_six], {}, code="WEEK")
    assert "too short" in refused.value.detail


def test_a_valid_code_loses_to_a_better_automatic_promotion_without_being_refused() -> None:
    automatic, coded = promo(1, percent_bp=2000), promo(2, percent_bp=1000, code="SMALL")
    assert quote(WEEK, STAY, [automatic, coded], {}, code="small").promotion == automatic


def test_an_exclusive_code_promotion_beats_a_larger_automatic_one() -> None:
    automatic, coded = promo(1, percent_bp=3000), promo(2, percent_bp=1000, code="STAFF", exclusive=True)
    assert quote(WEEK, STAY, [automatic, coded], {}, code="staff").promotion == coded


def test_a_promotion_for_stays_within_a_window_refuses_a_stay_that_runs_past_it() -> None:
    # The window bounds the nights: a stay whose last night falls after it gets no share of the promotion.
    until_friday = promo(percent_bp=1000, stay_until=date(2027, 1, 15))
    assert quote(WEEK, STAY, [until_friday], {}).promotion is None


def test_arrival_weekdays_are_iso_numbers_monday_one_to_sunday_seven() -> None:
    sundays = promo(percent_bp=1000, arrival_weekdays=frozenset({7}))  # 10 January 2027 is a Sunday
    assert quote(WEEK, STAY, [sundays], {}).promotion == sundays


def test_a_refused_code_carries_its_first_reason_and_figures_for_the_pages() -> None:
    coded = promo(9, code="X", percent_bp=1000, min_nights=10)
    with pytest.raises(RuleViolation) as refused:
        quote(WEEK, STAY, [coded], {}, "x")
    assert refused.value.params == {"reason": "min_nights", "min_nights": 10}
    with pytest.raises(RuleViolation) as unknown:
        quote(WEEK, STAY, [coded], {}, "other")
    assert unknown.value.params == {"reason": "unknown"}
