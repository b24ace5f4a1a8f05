"""The states of a payment and of a holiday-credit instalment (stored as these strings)."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    PENDING = "pending"  # a card intent created, no money yet
    SUCCEEDED = "succeeded"  # money secured (a card capture, or a holiday-credit schedule)
    FAILED = "failed"
    REFUNDED = "refunded"  # in part or in full: the refund rows say how much
    # Never paid, and given up at the provider when its hold lapsed; money that still comes for it is
    # late money (payments.late_money): it takes the stay again only if every rule allows, or goes back.
    CANCELLED = "cancelled"


# A payment money may still arrive for.
AWAITING_MONEY = frozenset({PaymentStatus.PENDING, PaymentStatus.CANCELLED})


class RefundState(StrEnum):
    MADE = "made"  # the provider gave the money back (Stripe, test mode, a holiday credit's instalments)
    OWED = "owed"  # decided, to be made by staff in the provider's back office (CMI), then recorded


class CmiOrderStatus(StrEnum):
    """One attempt to pay through CMI (an ``oid``), as its callback left it."""

    PENDING = "pending"  # the form was given; no callback yet
    DECLINED = "declined"  # the bank refused the card: a new attempt gets a new order id
    CONFIRMED = "confirmed"  # authorised, and the stay confirmed by it: we answered ACTION=POSTAUTH
    REFUSED = "refused"  # authorised, but the stay could not be taken: we answered FAILURE (not captured)


class InstalmentStatus(StrEnum):
    SCHEDULED = "scheduled"  # to be deducted from a coming payroll
    EXPORTED = "exported"  # handed to payroll: deducted
    CANCELLED = "cancelled"


class Provider(StrEnum):
    """Who moved the money (payments.provider)."""

    STRIPE = "stripe"
    CMI = "cmi"
    TEST = "test"
    PAYROLL = "payroll"
    FREE = "free"  # a stay priced at zero: confirmed with a receipt of nothing
