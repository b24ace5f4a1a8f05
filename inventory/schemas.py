"""What the inventory API reads and writes: msgspec structs, validated and documented in OpenAPI."""

from __future__ import annotations

from datetime import date

import msgspec

from inventory.commands import RefundTierIO, RotationIO


class UnitTypeSummary(msgspec.Struct):
    code: str
    name: str
    name_ar: str
    name_fr: str
    capacity: int
    units: int
    description: str = ""


class CentreOut(msgspec.Struct):
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
    id: int
    starts_on: date
    ends_on: date
    reason: str


class UnitOut(msgspec.Struct):
    number: str
    unit_type: str
    closures: list[ClosureOut]


class SeasonOut(msgspec.Struct):
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
    date: date
    units_total: int
    units_occupied: int
    guests: int


class OccupancyOut(msgspec.Struct):
    centre: str
    nights: list[NightOut]
    on_site_now: int
