"""What happens to money (``kernel.events``; wired in ``estivage.bootstrap``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kernel.events import DomainEvent
from kernel.money import Money


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentSucceeded(DomainEvent):
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    provider: str
    amount: Money


@dataclass(frozen=True, kw_only=True, slots=True)
class RefundIssued(DomainEvent):
    """Money given back: through the card provider, or as holiday-credit deductions cancelled."""

    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount: Money
    reason: str  # cancellation | hold_lost


@dataclass(frozen=True, kw_only=True, slots=True)
class HoldLostRefunded(DomainEvent):
    """A card payment arrived for a hold that could no longer be honoured: refunded in full at once."""

    booking_id: uuid.UUID
    member_id: int
    amount: Money
