"""The desk's rules on the days of a stay: when it may be checked in, when nobody coming makes it a
no-show, and what a stay ended early gives back by the rule staff choose. Days are the centre's days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum

from kernel.codes import ErrorCode
from kernel.errors import Conflict, RuleViolation
from kernel.money import Money


class EarlyRefund(StrEnum):
    """How much of a stay ended early staff give back."""

    NONE = "none"  # nothing: the member leaves of their own will
    UNUSED_NIGHTS = "unused_nights"  # the price of the nights from the day the stay ends on
    FULL = "full"  # everything paid (the centre failed the member)
    AMOUNT = "amount"  # an amount staff name, at most what was paid


def check_check_in_day(arrival: date, departure: date, today: date) -> None:
    """A stay is checked in from its arrival day until the day before its departure."""
    if today < arrival:
        raise Conflict(ErrorCode.BEFORE_ARRIVAL_DAY, f"this stay begins on {arrival.isoformat()}")
    if today >= departure:
        raise Conflict(ErrorCode.STAY_OVER, f"this stay ended on {departure.isoformat()}")


def check_no_show_day(arrival: date, today: date) -> None:
    """The desk records a no-show from the arrival day on."""
    if today < arrival:
        raise Conflict(ErrorCode.BEFORE_ARRIVAL_DAY, f"this stay begins on {arrival.isoformat()}")


def no_show_due(arrival: date, today: date, grace_days: int) -> bool:
    """Whether the worker records an unclaimed stay as a no-show: once the arrival day and ``grace_days``
    whole days after it are over."""
    return today > arrival + timedelta(days=grace_days)


def early_refund(
    rule: EarlyRefund,
    paid: Money,
    nightly_minor: Sequence[int],
    arrival: date,
    ends_on: date,
    amount: Money | None = None,
) -> Money:
    """What a stay that ends on ``ends_on`` (its nights from that day on unused) gives back by ``rule``;
    never more than was paid. ``nightly_minor`` is the price of each night as booked (before any
    discount): the unused nights' share of what was paid is that fraction of it, rounded down."""
    if rule == EarlyRefund.NONE:
        return Money(0, paid.currency)
    if rule == EarlyRefund.FULL:
        return paid
    if rule == EarlyRefund.AMOUNT:
        if amount is None or amount.amount_minor < 0 or amount.currency != paid.currency:
            raise RuleViolation(
                ErrorCode.INVALID_REFUND, "name an amount of the booking's currency", field="amount"
            )
        if amount.amount_minor > paid.amount_minor:
            raise RuleViolation(
                ErrorCode.REFUND_ABOVE_PAID,
                f"at most {paid.amount_minor} minor units were paid",
                field="amount",
            )
        return amount
    total = sum(nightly_minor)
    unused = sum(price for i, price in enumerate(nightly_minor) if arrival + timedelta(days=i) >= ends_on)
    if total <= 0:
        return Money(0, paid.currency)
    return Money(paid.amount_minor * unused // total, paid.currency)
