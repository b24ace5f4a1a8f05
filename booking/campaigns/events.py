"""What happens to a summer campaign's offers, told to whoever subscribed (``kernel.events``): the mail
outbox writes each member's message in the same transaction (``notifications.summer``).

Offers are named by their bookings: every offer holds its unit with a booking of its own, made with it,
so a booking id names one offer for ever (and the member, the unit, the deadline with it). A round of the
worker lapses or offers many at once: one event per round and kind, as ``HoldsLapsed``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class SummerDrawn(DomainEvent):
    """The draw's results are stored and its offers held: every submitted application of the campaign
    now has its result (an offer, places on waiting lists, or neither)."""

    campaign_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class OffersMade(DomainEvent):
    """Units freed after the draw (an offer lapsed, declined or cancelled) offered to the next in line."""

    booking_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class OffersLapsed(DomainEvent):
    """Offers unpaid at their deadline: their units go to the next in line."""

    booking_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class OfferDeadlinesNear(DomainEvent):
    """Open offers whose payment deadline is a day away (``REMINDER_NOTICE``), each told once."""

    booking_ids: tuple[uuid.UUID, ...]
