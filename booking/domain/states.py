"""The life of a booking: held → confirmed (paid) → checked_in → checked_out; or cancelled, expired, no_show.

A hold whose expiry has passed *is* expired for every reader, whatever the stored status still says:
no job has to run for the inventory to be free again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from kernel.codes import ErrorCode
from kernel.errors import Conflict


class BookingStatus(StrEnum):
    """Stored as these strings; a StrEnum compares equal to them, so rows and JSON need no mapping."""

    HELD = "held"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NO_SHOW = "no_show"


HELD, CONFIRMED, CHECKED_IN, CHECKED_OUT = (
    BookingStatus.HELD,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.CHECKED_OUT,
)
CANCELLED, EXPIRED, NO_SHOW = BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.NO_SHOW

# Paid for, whatever happened since: these hold their nights, their promotion use and their quota.
PAID = frozenset({CONFIRMED, CHECKED_IN, CHECKED_OUT, NO_SHOW})
# A stay still to come or going on: what the desk and the gate care about.
ACTIVE = frozenset({CONFIRMED, CHECKED_IN})
# Nothing more happens to these. (A no-show is not among them: its nights stay held, and a party that
# arrives after the grace is checked in, at the desk or by the gate's entry.)
ENDED = frozenset({CHECKED_OUT, CANCELLED, EXPIRED})
# The stay has begun or is over at the desk: it can no longer be cancelled, only ended early by staff.
AT_THE_DESK = frozenset({CHECKED_IN, CHECKED_OUT, NO_SHOW})

_TRANSITIONS: dict[tuple[str, str], BookingStatus] = {
    (HELD, "pay"): CONFIRMED,
    (HELD, "cancel"): CANCELLED,
    (HELD, "expire"): EXPIRED,
    (CONFIRMED, "check_in"): CHECKED_IN,
    (CONFIRMED, "cancel"): CANCELLED,
    (CONFIRMED, "no_show"): NO_SHOW,
    (NO_SHOW, "check_in"): CHECKED_IN,  # late, after the grace: the stay was paid and its nights kept
    (CHECKED_IN, "check_out"): CHECKED_OUT,
    (CHECKED_IN, "end_early"): CHECKED_OUT,
}

EVENTS = frozenset(event for _state, event in _TRANSITIONS)


class InvalidTransition(Conflict):
    """A 409: the booking's state does not allow this event. Carries both, for logs and tests."""

    def __init__(self, current: str, event: str) -> None:
        super().__init__(
            ErrorCode.INVALID_TRANSITION, f"a {current} booking cannot {event.replace('_', ' ')}"
        )
        self.current = current
        self.event = event


def transition(current: str, event: str) -> BookingStatus:
    """The state after `event`, or `InvalidTransition`. Pass `effective_status(...)` as `current`, so that
    a lapsed hold is refused as expired rather than paid."""
    try:
        return _TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(current, event) from None


def effective_status(stored: str, hold_expires_at: datetime | None, now: datetime) -> BookingStatus:
    """The status every reader sees: a held booking at or past its expiry is expired."""
    if stored == HELD and hold_expires_at is not None and hold_expires_at <= now:
        return EXPIRED
    return BookingStatus(stored)


def is_hold_live(stored: str, hold_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a booking still holds its inventory unpaid; at the expiry instant itself it no longer does."""
    return effective_status(stored, hold_expires_at, now) == HELD
