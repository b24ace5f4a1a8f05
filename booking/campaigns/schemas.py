"""What the campaign API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from inventory.schemas import Category, Code

Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
# An instant with its offset: a naive one is refused as bad input (comparing it with the clock would fail).
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
# A campaign offers at least one centre (left out: every centre).
Centres = Annotated[list[Code], msgspec.Meta(min_length=1)]
Weight = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class WeightsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The score weights (booking.domain.allocation.score); any left out keep their default."""

    points_per_year_without_stay: Weight | None = None
    max_years_counted: Weight | None = None
    points_if_retired: Weight | None = None
    points_per_family_member: Weight | None = None
    max_family_members_counted: Weight | None = None
    points_per_scale_step: Weight | None = None
    reference_salary_scale: Weight | None = None


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    season: Annotated[str, msgspec.Meta(min_length=1, max_length=48)]
    applications_close_at: Instant
    offer_validity_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 72
    reserved_percent: dict[Category, Percent] = msgspec.field(default_factory=dict)
    weights: WeightsIn | None = None
    centres: Centres | None = None


class CampaignPatch(msgspec.Struct, forbid_unknown_fields=True):
    applications_close_at: Instant | None = None
    offer_validity_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] | None = None
    reserved_percent: dict[Category, Percent] | None = None
    weights: WeightsIn | None = None
    centres: Centres | None = None


class SlotOut(msgspec.Struct):
    centre: str
    rotation: str
    unit_type: str
    units: int
    reserved: dict[str, int]
    capacity: int


class RotationOut(msgspec.Struct):
    code: str
    starts_on: date
    ends_on: date


class CampaignOut(msgspec.Struct):
    code: str
    season: str
    status: str
    applications_close_at: datetime
    offer_validity_hours: int
    reserved_percent: dict[str, int]
    weights: dict[str, int]
    rotations: list[RotationOut]
    slots: list[SlotOut]
    applications: int
    seed_commitment: str | None = None
    applications_digest: str | None = None
    close_seed_commitment: str | None = None
    closed_at: datetime | None = None
    drawn_at: datetime | None = None


class ChoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    centre: Code
    rotation: Code
    unit_type: Code


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    choices: list[ChoiceIn]
    party_size: Annotated[int, msgspec.Meta(ge=1, le=50)]


class OfferOut(msgspec.Struct):
    centre: str
    rotation: str
    unit_type: str
    choice_rank: int
    status: str
    offered_at: datetime
    payment_deadline: datetime
    booking_id: uuid.UUID | None = None


class WaitingOut(msgspec.Struct):
    """A place on one slot's waiting list. ``position`` is the place now (1 = next to be offered a freed
    unit of the slot, reservations aside); ``published_position`` is the draw's, as in the results."""

    centre: str
    rotation: str
    unit_type: str
    choice_rank: int
    position: int
    published_position: int


class ApplicationOut(msgspec.Struct):
    campaign: str
    public_id: str
    status: str
    party_size: int
    choices: list[ChoiceIn]
    submitted_at: datetime
    updated_at: datetime
    editable_until: datetime
    category: str | None = None
    score: int | None = None
    position: int | None = None
    lottery_rank: int | None = None
    result: str | None = None
    offer: OfferOut | None = None
    waiting: list[WaitingOut] | None = None


class EventOut(msgspec.Struct):
    id: int
    at: datetime
    event: str
    actor: str
    application: str | None
    detail: dict[str, Any]


class DrawOut(msgspec.Struct):
    campaign: str
    status: str
    applications: int
    offers: int
    waiting: int
    seed_commitment: str | None
    applications_digest: str | None
    seed: str | None = None
    close_seed_commitment: str | None = None
    close_seed: str | None = None


class SettleOut(msgspec.Struct):
    paid: int
    lapsed: int
    declined: int
    cancelled: int  # paid, then the booking was cancelled: the unit is re-offered
    offered: int
