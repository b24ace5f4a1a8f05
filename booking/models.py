"""Persistence of bookings, promotions and the booking policy."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from booking.domain.states import BookingStatus
from inventory.snapshot import register_configuration_model
from kernel.db import Base


class Booking(Base):
    """A member's stay in one unit, from hold to completion. The nights it takes are rows of
    ``stay_nights``; the unit is chosen when the hold is taken and can be moved by staff."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("departure > arrival", name="booking_dates"),
        CheckConstraint("guests >= 1", name="booking_guests"),
        CheckConstraint(
            "status IN ('held', 'confirmed', 'checked_in', 'checked_out', 'cancelled', 'expired', 'no_show')",
            name="booking_status",
        ),
        CheckConstraint("total_minor >= 0 AND total_minor <= subtotal_minor", name="booking_total"),
        Index("ix_bookings_member_status", "member_id", "status"),
        Index("ix_bookings_centre_arrival", "centre_id", "arrival"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="RESTRICT"))
    arrival: Mapped[date] = mapped_column(Date())
    departure: Mapped[date] = mapped_column(Date())
    guests: Mapped[int] = mapped_column(Integer())
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.HELD)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # At the desk (booking.reception): when the stay began and ended there, and when it was found a no-show.
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    no_show_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    subtotal_minor: Mapped[int] = mapped_column(Integer())
    discount_minor: Mapped[int] = mapped_column(Integer(), default=0)
    total_minor: Mapped[int] = mapped_column(Integer())
    nightly_minor: Mapped[list[int]] = mapped_column(JSON())
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotions.id", ondelete="RESTRICT"))
    # As applied at the time: the booking keeps what the member was shown even if staff rename it.
    promotion_name: Mapped[str | None] = mapped_column(String(120))
    refund_minor: Mapped[int | None] = mapped_column(Integer())
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    # The staff account that made the booking on the member's behalf (at the counter, on the phone);
    # None when the member booked it themselves.
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Something the member must be told when they next look (e.g. a late payment refunded at once): in
    # English, and as a stable code the pages translate (payments.late_money.NOTICE_CODES).
    member_notice: Mapped[str | None] = mapped_column(String(300))
    member_notice_code: Mapped[str | None] = mapped_column(String(32))


class PartyMember(Base):
    """A person the member names in the party of a booking (``booking.domain.party``): the member and
    these are the booking's guests, the party size on its pass."""

    __tablename__ = "booking_party"
    __table_args__ = (
        UniqueConstraint("booking_id", "position"),
        CheckConstraint(
            "relation IN ('spouse', 'child', 'parent', 'sibling', 'other')", name="party_relation"
        ),
        CheckConstraint("age_band IN ('adult', 'teen', 'child', 'infant')", name="party_age_band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer())
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(8))


class Promotion(Base):
    """An off-season promotion configured by staff (see booking.domain.promotions for the rules)."""

    __tablename__ = "promotions"
    __table_args__ = (CheckConstraint("kind IN ('percentage', 'fixed', 'stay_pay')", name="promotion_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    percent_bp: Mapped[int | None] = mapped_column(Integer())
    amount_minor: Mapped[int | None] = mapped_column(Integer())
    stay_nights: Mapped[int | None] = mapped_column(Integer())
    pay_nights: Mapped[int | None] = mapped_column(Integer())
    centres: Mapped[list[str]] = mapped_column(JSON(), default=list)
    unit_types: Mapped[list[str]] = mapped_column(JSON(), default=list)
    categories: Mapped[list[str]] = mapped_column(JSON(), default=list)
    arrival_weekdays: Mapped[list[int]] = mapped_column(JSON(), default=list)
    stay_from: Mapped[date | None] = mapped_column(Date())
    stay_until: Mapped[date | None] = mapped_column(Date())
    book_from: Mapped[date | None] = mapped_column(Date())
    book_until: Mapped[date | None] = mapped_column(Date())
    min_nights: Mapped[int] = mapped_column(Integer(), default=1)
    exclusive: Mapped[bool] = mapped_column(Boolean(), default=False)
    paused: Mapped[bool] = mapped_column(Boolean(), default=False)
    max_uses: Mapped[int | None] = mapped_column(Integer())
    max_uses_per_member: Mapped[int | None] = mapped_column(Integer())
    budget_minor: Mapped[int | None] = mapped_column(Integer())
    # Bumped by every booking that records a use: the lock that keeps the caps exact under concurrency.
    lock_version: Mapped[int] = mapped_column(Integer(), default=0)


class BookingPolicy(Base):
    """Staff-set limits for direct (off-season) booking; one row."""

    __tablename__ = "booking_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    hold_minutes: Mapped[int] = mapped_column(Integer(), default=15)
    max_open_holds: Mapped[int] = mapped_column(Integer(), default=1)
    max_off_season_nights_per_year: Mapped[int] = mapped_column(Integer(), default=21)
    # Holiday credit (payroll deduction) terms, read by the payments package.
    credit_max_instalments: Mapped[int] = mapped_column(Integer(), default=10, server_default="10")
    credit_min_instalment_minor: Mapped[int] = mapped_column(
        Integer(), default=20_000, server_default="20000"
    )
    credit_categories: Mapped[list[str]] = mapped_column(
        JSON(), default=lambda: ["active"], server_default='["active"]'
    )
    # Days after the arrival day before the worker records a confirmed stay nobody checked in as a
    # no-show (booking.reception); the desk may record one from the arrival day on.
    no_show_grace_days: Mapped[int] = mapped_column(Integer(), default=1, server_default="1")


# Staff changes to these move the inventory version, so that replicas reload their cached copies.
register_configuration_model(Promotion)
register_configuration_model(BookingPolicy)
