"""What the inventory API reads and writes: msgspec structs, validated and documented in OpenAPI."""

from __future__ import annotations

from datetime import date

import msgspec

from inventory.commands import RefundTierIO, RotationIO


class UnitTypeSummary(msgspec.Struct):
    """A unit type of a centre: its names, capacity in persons and number of units."""

    code: str
    name: str
    name_ar: str
    name_fr: str
    capacity: int
    units: int
    description: str = ""


class CentreOut(msgspec.Struct):
    """A holiday centre: its code, names, town, time zone, arrival and departure times, and unit types."""

    code: str
    name: str
    name_ar: str
    name_fr: str
    town: str
    time_zone: str
    arrival_time: str
    departure_time: str
    unit_types: list[UnitTypeSummary]


class ClosureOut(msgspec.Struct):
    """A period a unit is out of service, and why."""

    id: int
    starts_on: date
    ends_on: date
    reason: str


class UnitOut(msgspec.Struct):
    """A physical unit of a centre, its type and its periods out of service."""

    number: str
    unit_type: str
    closures: list[ClosureOut]


class SeasonOut(msgspec.Struct):
    """A season: its dates, kind, centre (null: every centre), stay rules, rotations and cancellation
    policy."""

    code: str
    name_fr: str
    name_ar: str
    kind: str
    centre: str | None
    starts_on: date
    ends_on: date
    min_nights: int
    max_nights: int
    arrival_weekdays: list[int]
    rotations: list[RotationIO]
    cancellation_policy: list[RefundTierIO] | None


class NightOut(msgspec.Struct):
    """One night of a centre: units, units occupied and guests."""

    date: date
    units_total: int
    units_occupied: int
    guests: int


class OccupancyOut(msgspec.Struct):
    """A centre's occupancy night by night, and how many people are on site now (entries less exits at the
    gates)."""

    centre: str
    nights: list[NightOut]
    on_site_now: int
