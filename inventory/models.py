"""Persistence of the inventory: centres, unit types, units, seasons, tariffs, quotas and nights taken."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import Base


class Centre(Base):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    town_fr: Mapped[str] = mapped_column(String(120))
    town_ar: Mapped[str] = mapped_column(String(120), default="")
    arrival_time: Mapped[time] = mapped_column(Time(), default=time(14, 0))
    departure_time: Mapped[time] = mapped_column(Time(), default=time(12, 0))
    time_zone: Mapped[str] = mapped_column(String(64), default="Africa/Casablanca")
    description: Mapped[str] = mapped_column(Text(), default="")
    # The centre as a place a family travels to (issue 19): words in both languages, where it is, what
    # it offers. Photos are file names in the photo directory (``inventory.places``); amenities are codes
    # of ``inventory.places.AMENITIES``.
    description_ar: Mapped[str] = mapped_column(Text(), default="", server_default="")
    address_fr: Mapped[str] = mapped_column(String(240), default="", server_default="")
    address_ar: Mapped[str] = mapped_column(String(240), default="", server_default="")
    latitude: Mapped[float | None] = mapped_column(Float(), nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float(), nullable=True)
    photos: Mapped[list[str]] = mapped_column(JSON(), default=list, server_default="[]")
    amenities: Mapped[list[str]] = mapped_column(JSON(), default=list, server_default="[]")

    unit_types: Mapped[list[UnitType]] = relationship(
        back_populates="centre", order_by="UnitType.code", cascade="all, delete-orphan"
    )


class UnitType(Base):
    __tablename__ = "unit_types"
    __table_args__ = (
        UniqueConstraint("centre_id", "code"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer())
    description: Mapped[str] = mapped_column(Text(), default="")
    # Bumped by every unit of work that takes nights of this type: the row lock (PostgreSQL) or the
    # write lock (SQLite) it takes is what serialises competing holds for the same type.
    allocation_version: Mapped[int] = mapped_column(Integer(), default=0)

    centre: Mapped[Centre] = relationship(back_populates="unit_types")
    units: Mapped[list[Unit]] = relationship(back_populates="unit_type", order_by="Unit.number")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("centre_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))

    unit_type: Mapped[UnitType] = relationship(back_populates="units")
    closures: Mapped[list[UnitClosure]] = relationship(
        back_populates="unit", order_by="UnitClosure.starts_on", cascade="all, delete-orphan"
    )


class UnitClosure(Base):
    """Nights a unit is out of service: [starts_on, ends_on)."""

    __tablename__ = "unit_closures"
    __table_args__ = (CheckConstraint("ends_on > starts_on", name="closure_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date())
    ends_on: Mapped[date] = mapped_column(Date())
    reason: Mapped[str] = mapped_column(String(200), default="")

    unit: Mapped[Unit] = relationship(back_populates="closures")


class Season(Base):
    """A period of the calendar with its kind and stay rules; nights in [starts_on, ends_on).

    A season with no centre applies to every centre; a centre's own season of the same dates wins.
    """

    __tablename__ = "seasons"
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="season_not_empty"),
        CheckConstraint("kind IN ('summer', 'off_season', 'closed')", name="season_kind"),
        CheckConstraint("min_nights >= 1 AND max_nights >= min_nights", name="season_nights"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(16))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date())
    ends_on: Mapped[date] = mapped_column(Date())
    min_nights: Mapped[int] = mapped_column(Integer(), default=1)
    max_nights: Mapped[int] = mapped_column(Integer(), default=14)
    # ISO weekdays (1 = Monday … 7 = Sunday) on which a stay may begin.
    arrival_weekdays: Mapped[list[int]] = mapped_column(JSON(), default=lambda: [1, 2, 3, 4, 5, 6, 7])
    # A summer season staff put on open sale after its draw's last re-offer round: its nights left are
    # sold directly, by the off-season's rules (``booking.open_sale``). None: by application only.
    open_sale_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Ordered refund tiers [{"days_before": d, "refund_bp": bp}, ...]; read by the booking rules.
    cancellation_policy: Mapped[list[dict[str, int]] | None] = mapped_column(JSON(), default=None)

    rotations: Mapped[list[Rotation]] = relationship(
        back_populates="season", order_by="Rotation.starts_on", cascade="all, delete-orphan"
    )


class Rotation(Base):
    """A fixed summer shift: nights in [starts_on, ends_on)."""

    __tablename__ = "rotations"
    __table_args__ = (
        UniqueConstraint("season_id", "code"),
        CheckConstraint("ends_on > starts_on", name="rotation_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date())
    ends_on: Mapped[date] = mapped_column(Date())

    season: Mapped[Season] = relationship(back_populates="rotations")


class Tariff(Base):
    """The nightly price of a unit type in a season for one member category (social pricing)."""

    __tablename__ = "tariffs"
    __table_args__ = (
        UniqueConstraint("season_id", "unit_type_id", "category"),
        CheckConstraint("nightly_minor >= 0", name="tariff_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    nightly_minor: Mapped[int] = mapped_column(Integer())
    currency: Mapped[str] = mapped_column(String(3), default="MAD")


class Quota(Base):
    """Units of a type reserved for one member category in a season: a count or a share."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("season_id", "unit_type_id", "category"),
        CheckConstraint("(units IS NULL) <> (share_bp IS NULL)", name="quota_count_or_share"),
        CheckConstraint("units IS NULL OR units >= 0", name="quota_units"),
        CheckConstraint("share_bp IS NULL OR (share_bp >= 0 AND share_bp <= 10000)", name="quota_share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    units: Mapped[int | None] = mapped_column(Integer())
    share_bp: Mapped[int | None] = mapped_column(Integer())


class StayNight(Base):
    """One night of one unit taken by a booking. The unique (unit, night) pair is what makes selling a
    unit twice for one night impossible in the database itself, on PostgreSQL and SQLite alike.

    A held night carries the hold's expiry: readers ignore it once past, and the next writer for that
    unit and night deletes it inside its own locked transaction, so no job is needed for correctness.
    """

    __tablename__ = "stay_nights"
    __table_args__ = (
        UniqueConstraint("unit_id", "night"),
        Index("ix_stay_nights_type_night", "unit_type_id", "night"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id", ondelete="RESTRICT"))
    night: Mapped[date] = mapped_column(Date())
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    guests: Mapped[int] = mapped_column(Integer())
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class InventoryVersion(Base):
    """One row whose version rises with every change of configuration (centres, types, units, closures,
    seasons, tariffs, quotas). Readers keep a configuration snapshot in memory and reload it only when
    this number moves, so every replica sees a staff change at its next request."""

    __tablename__ = "inventory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer(), default=0)


class UnitHousekeeping(Base):
    """A unit's state at the desk (``inventory.domain.housekeeping``): no row is a clean unit. Out of
    service, the unit is sold on no night (the snapshot closes it), so its changes move the inventory
    version like any configuration."""

    __tablename__ = "unit_housekeeping"
    __table_args__ = (
        CheckConstraint("state IN ('to_clean', 'clean', 'out_of_service')", name="housekeeping_state"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


CONFIGURATION_MODELS = (
    Centre,
    UnitType,
    Unit,
    UnitClosure,
    Season,
    Rotation,
    Tariff,
    Quota,
    UnitHousekeeping,
)
