"""The states of a payment and of a holiday-credit instalment (stored as these strings)."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    PENDING = "pending"  # a card intent created, no money yet
    SUCCEEDED = "succeeded"  # money secured (a card capture, or a holiday-credit schedule)
    FAILED = "failed"
    REFUNDED = "refunded"  # in part or in full: the refund rows say how much


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
