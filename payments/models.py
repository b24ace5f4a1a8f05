"""Persistence of payments, refunds, holiday-credit instalments and the provider events seen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base
from payments.domain.states import InstalmentStatus, PaymentStatus


class Payment(Base):
    """Money for one booking from one provider. One per (booking, provider): checkout is idempotent."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("booking_id", "provider"),
        CheckConstraint("amount_minor > 0", name="payment_amount"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name="payment_status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(16))  # test | stripe | payroll
    provider_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(128))
    amount_minor: Mapped[int] = mapped_column(Integer())
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class PaymentRefund(Base):
    """Money given back for a payment: once per payment, whatever retries and webhooks do."""

    __tablename__ = "payment_refunds"
    __table_args__ = (CheckConstraint("amount_minor >= 0", name="refund_amount"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), unique=True)
    amount_minor: Mapped[int] = mapped_column(Integer())
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))  # cancellation | hold_lost
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Instalment(Base):
    """One monthly payroll deduction of a holiday credit (k of n)."""

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("booking_id", "number"),
        CheckConstraint("status IN ('scheduled', 'exported', 'cancelled')", name="instalment_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer())
    count: Mapped[int] = mapped_column(Integer())
    month: Mapped[date] = mapped_column(Date(), index=True)
    amount_minor: Mapped[int] = mapped_column(Integer())
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    status: Mapped[str] = mapped_column(String(16), default=InstalmentStatus.SCHEDULED)


class ProcessedEvent(Base):
    """A provider event already acted on: webhooks are delivered at least once and in any order."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
