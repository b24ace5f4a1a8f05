"""The holiday-credit schedule, without I/O."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import RuleViolation
from kernel.money import MAD, Money
from payments.domain.instalments import CreditTerms, check_eligible, schedule, settle_on_cancel

TERMS = CreditTerms(max_instalments=10, min_instalment=Money(20_000, MAD))


def test_the_first_instalment_carries_the_remainder_and_months_follow_the_booking() -> None:
    plan = schedule(Money(100_001, MAD), 3, date(2026, 11, 23), TERMS)
    assert [(i.number, i.month, i.amount.amount_minor) for i in plan] == [
        (1, date(2026, 12, 1), 33_335),
        (2, date(2027, 1, 1), 33_333),
        (3, date(2027, 2, 1), 33_333),
    ]


@given(total=st.integers(min_value=20_000, max_value=5_000_000), count=st.integers(min_value=1, max_value=10))
def test_the_instalments_always_add_up_to_the_price(total: int, count: int) -> None:
    try:
        plan = schedule(Money(total, MAD), count, date(2026, 12, 31), TERMS)
    except RuleViolation:
        assert total // count < 20_000
        return
    assert sum(i.amount.amount_minor for i in plan) == total
    assert [i.number for i in plan] == list(range(1, count + 1))


@pytest.mark.parametrize(
    ("count", "code"), [(0, "invalid_instalments"), (11, "invalid_instalments"), (6, "instalment_too_small")]
)
def test_bad_counts_are_refused(count: int, code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        schedule(Money(100_000, MAD), count, date(2026, 11, 23), TERMS)
    assert refused.value.code == code
    if code == "invalid_instalments":
        assert refused.value.params == {"min": 1, "max": TERMS.max_instalments}


def test_only_active_members_without_an_open_credit_may_borrow() -> None:
    check_eligible("active", 0, TERMS)
    with pytest.raises(RuleViolation, match="not offered to retired members"):
        check_eligible("retired", 0, TERMS)
    with pytest.raises(RuleViolation, match="already repay"):
        check_eligible("active", 1, TERMS)


@pytest.mark.parametrize(
    ("refund", "deducted", "still", "credit"),
    [(100_000, 0, 0, 0), (100_000, 30_000, 0, 30_000), (50_000, 30_000, 20_000, 0), (0, 100_000, 0, 0)],
)
def test_cancelling_a_credit_leaves_the_member_paying_the_price_less_the_refund(
    refund: int, deducted: int, still: int, credit: int
) -> None:
    settled = settle_on_cancel(Money(100_000, MAD), Money(refund, MAD), Money(deducted, MAD))
    assert (settled.still_to_deduct, settled.credit) == (Money(still, MAD), Money(credit, MAD))
    assert deducted + settled.still_to_deduct.amount_minor - settled.credit.amount_minor == 100_000 - refund
