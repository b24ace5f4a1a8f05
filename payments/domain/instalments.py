"""Holiday credit (قرض الاصطياف, crédit estivage): a stay's price split into monthly payroll deductions.

The schedule starts the month after the booking; every instalment is equal but the first, which
carries the remainder, so that the sum is exactly the price and no instalment is a fraction of a
centime. Eligibility: the member's category must be allowed (active members by default: retired
members' pensions are not paid by the ministry's payroll), one open credit at a time, and each
instalment at least the staff-set minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation
from kernel.money import MAD, Money


@dataclass(frozen=True, slots=True)
class CreditTerms:
    max_instalments: int = 10
    min_instalment: Money = Money(20_000, MAD)
    categories: frozenset[str] = frozenset({"active"})


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based: k of n
    month: date  # first day of the payroll month
    amount: Money


def first_month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def schedule(total: Money, count: int, booked_on: date, terms: CreditTerms) -> list[Instalment]:
    if not 1 <= count <= terms.max_instalments:
        raise RuleViolation(
            ErrorCode.INVALID_INSTALMENTS,
            f"choose between 1 and {terms.max_instalments} instalments",
            field="instalments",
            params={"min": 1, "max": terms.max_instalments},
        )
    base, remainder = divmod(total.amount_minor, count)
    if base < terms.min_instalment.amount_minor and count > 1:
        raise RuleViolation(
            ErrorCode.INSTALMENT_TOO_SMALL,
            f"each instalment must be at least {terms.min_instalment}; choose fewer instalments",
            field="instalments",
        )
    month = first_month_after(booked_on)
    plan = []
    for k in range(1, count + 1):
        plan.append(Instalment(k, month, Money(base + (remainder if k == 1 else 0), total.currency)))
        month = first_month_after(month)
    return plan


def check_eligible(category: str, open_credits: int, terms: CreditTerms) -> None:
    if category not in terms.categories:
        raise RuleViolation(
            ErrorCode.CREDIT_NOT_AVAILABLE,
            f"holiday credit is not offered to {category} members; please pay by card",
            field="method",
        )
    if open_credits > 0:
        raise RuleViolation(
            ErrorCode.CREDIT_ALREADY_OPEN,
            "you already repay a holiday credit; pay this stay by card",
            field="method",
        )


@dataclass(frozen=True, slots=True)
class CreditSettlement:
    """What cancelling a holiday-credit stay leaves: one last deduction still owed, or a credit back."""

    still_to_deduct: Money
    credit: Money


def settle_on_cancel(price: Money, refund: Money, deducted: Money) -> CreditSettlement:
    """The member pays exactly the price less the policy's refund: what payroll has not deducted yet
    is cancelled, the shortfall (if any) is deducted once more, the excess (if any) is credited back."""
    owed = (price - refund).amount_minor
    return CreditSettlement(
        still_to_deduct=Money(max(0, owed - deducted.amount_minor), price.currency),
        credit=Money(max(0, deducted.amount_minor - owed), price.currency),
    )
