"""What the use cases of this package are asked: validated msgspec structs shared by the JSON API, the
pages and the commands (services take these, never an HTTP schema)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

import msgspec

from inventory.domain.calendar import MAX_STAY_NIGHTS
from kernel.structs import Category, Code, MoneyIn, Name

Capacity = Annotated[int, msgspec.Meta(ge=1, le=50)]
Nights = Annotated[int, msgspec.Meta(ge=1, le=MAX_STAY_NIGHTS)]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7)]
SeasonKind = Literal["summer", "off_season", "closed"]


class CentreIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new holiday centre: its code, names and town in French and Arabic, arrival and departure times,
    time zone and description."""

    code: Code
    name_fr: Name
    name_ar: Name
    town_fr: Name
    town_ar: str = ""
    arrival_time: time = time(14, 0)
    departure_time: time = time(12, 0)
    time_zone: str = "Africa/Casablanca"
    description: str = ""


class CentrePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a centre; a field left out is unchanged (the code never changes)."""

    name_fr: Name | None = None
    name_ar: Name | None = None
    town_fr: Name | None = None
    town_ar: str | None = None
    arrival_time: time | None = None
    departure_time: time | None = None
    time_zone: str | None = None
    description: str | None = None


class UnitTypeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new unit type of a centre: its code, names, capacity in persons and description."""

    code: Code
    name_fr: Name
    name_ar: Name
    capacity: Capacity
    description: str = ""


class UnitTypePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a unit type; a field left out is unchanged."""

    name_fr: Name | None = None
    name_ar: Name | None = None
    capacity: Capacity | None = None
    description: str | None = None


class UnitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new physical unit: its number and its unit type."""

    number: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    unit_type: Code


class UnitPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The unit type a unit now belongs to."""

    unit_type: Code


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True):
    """The days a unit is out of service (first and last), and why."""

    starts_on: date
    ends_on: date
    reason: str = ""


class RotationIO(msgspec.Struct, forbid_unknown_fields=True):
    """A summer rotation: its code and its first and last days."""

    code: Code
    starts_on: date
    ends_on: date


class RefundTierIO(msgspec.Struct, forbid_unknown_fields=True):
    """A tier of the cancellation policy: cancelled at least `days_before` days before arrival, `refund_bp`
    (hundredths of a percent) is refunded."""

    days_before: Annotated[int, msgspec.Meta(ge=0, le=365)]
    refund_bp: Annotated[int, msgspec.Meta(ge=0, le=10_000)]


class SeasonIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new season: its code, names, kind (summer or off-season), dates, optional centre, stay rules,
    rotations and cancellation policy."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=48, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name_fr: Name
    kind: SeasonKind
    starts_on: date
    ends_on: date
    name_ar: str = ""
    centre: Code | None = None
    min_nights: Nights = 1
    max_nights: Nights = 14
    arrival_weekdays: list[Weekday] = msgspec.field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    rotations: list[RotationIO] = msgspec.field(default_factory=list)
    cancellation_policy: list[RefundTierIO] | None = None


class SeasonPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a season; a field left out is unchanged."""

    name_fr: Name | None = None
    name_ar: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    min_nights: Nights | None = None
    max_nights: Nights | None = None
    arrival_weekdays: list[Weekday] | None = None
    rotations: list[RotationIO] | None = None
    cancellation_policy: list[RefundTierIO] | None = None


class TariffIO(msgspec.Struct, forbid_unknown_fields=True):
    """The price of a night for a season, centre, unit type and member category."""

    season: str
    centre: Code
    unit_type: Code
    category: Category
    nightly: MoneyIn


class QuotaIO(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The units of a unit type a member category may take in a season: a number of units or a share
    (hundredths of a percent)."""

    season: str
    centre: Code
    unit_type: Code
    category: Category
    units: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
    share_bp: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
