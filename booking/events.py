"""What happens to a booking, told to whoever subscribed (``kernel.events``, ``estivage.bootstrap``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from kernel.events import DomainEvent
from kernel.money import Money


@dataclass(frozen=True, kw_only=True, slots=True)
class BookingHeld(DomainEvent):
    booking_id: uuid.UUID
    member_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class BookingConfirmed(DomainEvent):
    """Money is secured (or nothing was owed): the hold is a stay."""

    booking_id: uuid.UUID
    member_id: int
    total: Money


@dataclass(frozen=True, kw_only=True, slots=True)
class BookingCancelled(DomainEvent):
    """By the member or staff; ``refund`` is what the published policy gives back of what was paid."""

    booking_id: uuid.UUID
    member_id: int
    refund: Money
    was_paid: bool
    by_role: str


@dataclass(frozen=True, kw_only=True, slots=True)
class BookingMoved(DomainEvent):
    booking_id: uuid.UUID
    unit_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class HoldsLapsed(DomainEvent):
    """Holds whose time ran out unpaid, now marked expired (their nights were free from the expiry on)."""

    booking_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class PartyNamed(DomainEvent):
    """The member (or staff for them) named the party: the guests are its count from now on. When the
    count moved, a pass issued with the old one no longer says the party (access issues a new one)."""

    booking_id: uuid.UUID
    member_id: int
    guests_before: int
    guests: int


@dataclass(frozen=True, kw_only=True, slots=True)
class StayCheckedIn(DomainEvent):
    """The stay began: at the desk (``by`` the account's role) or at the gate's first entry (``gate``).
    ``after_no_show``: the stay had been recorded a no-show (its pass revoked) and the party came after
    all: a new pass is due."""

    booking_id: uuid.UUID
    member_id: int
    by: str
    after_no_show: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class StayCheckedOut(DomainEvent):
    booking_id: uuid.UUID
    member_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class StayNoShow(DomainEvent):
    """Nobody came: recorded by the desk, or by the worker once the grace after the arrival day ran out."""

    booking_id: uuid.UUID
    member_id: int
    by: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StayEndedEarly(DomainEvent):
    """Staff ended a stay before its departure day; ``refund`` is what their chosen rule gives back
    (payments moves it, in the same transaction); the nights from ``freed_from`` on are free again."""

    booking_id: uuid.UUID
    member_id: int
    refund: Money
    rule: str
    freed_from: date
