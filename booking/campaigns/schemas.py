"""What the campaign API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from booking.campaigns.commands import ChoiceIn


class SlotOut(msgspec.Struct):
    """One slot of the summer draw (a centre, rotation and unit type): its units, those reserved per member
    category, and the persons a unit takes."""

    centre: str
    rotation: str
    unit_type: str
    units: int
    reserved: dict[str, int]
    capacity: int


class RotationOut(msgspec.Struct):
    """A summer rotation: its code and its first and last days."""

    code: str
    starts_on: date
    ends_on: date


class CampaignOut(msgspec.Struct):
    """A summer campaign: its season, state, deadline, quotas, score weights, rotations and slots, and the
    draw's commitments once published."""

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


class OfferOut(msgspec.Struct):
    """The unit offered to an application after the draw, and until when it can be paid."""

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
    """A member's summer application: ranked choices and party, and after the draw its score, lottery rank,
    result and offer or waiting places."""

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
    """One entry of a campaign's audit log: what happened, when, by whom, to which application."""

    id: int
    at: datetime
    event: str
    actor: str
    application: str | None
    detail: dict[str, Any]


class DrawOut(msgspec.Struct):
    """A campaign after its close or draw: counts of applications, offers and places on waiting lists, and
    the seeds or their commitments (the seeds revealed after the draw)."""

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


class OpenSaleOut(msgspec.Struct):
    """A summer season put on open sale after its draw: its units' remaining nights are sold as direct
    bookings from ``open_sale_at``."""

    campaign: str
    season: str
    open_sale_at: datetime


class SettleOut(msgspec.Struct):
    """What settling a campaign did: offers recorded paid, lapsed, declined or cancelled, and new offers
    made."""

    paid: int
    lapsed: int
    declined: int
    cancelled: int  # paid, then the booking was cancelled: the unit is re-offered
    offered: int
