"""The life of a booking: held → confirmed (paid) → checked_in → completed; or cancelled, expired, no_show.

A hold whose expiry has passed *is* expired for every reader, whatever the stored status still says:
no job has to run for the inventory to be free again.
"""

from __future__ import annotations

from datetime import datetime

from kernel.errors import Conflict

_TRANSITIONS: dict[tuple[str, str], str] = {
    ("held", "pay"): "confirmed",
    ("held", "cancel"): "cancelled",
    ("held", "expire"): "expired",
    ("confirmed", "check_in"): "checked_in",
    ("confirmed", "cancel"): "cancelled",
    ("confirmed", "no_show"): "no_show",
    ("checked_in", "check_out"): "completed",
}

EVENTS = frozenset(event for _state, event in _TRANSITIONS)


class InvalidTransition(Conflict):
    """A 409: the booking's state does not allow this event. Carries both, for logs and tests."""

    def __init__(self, current: str, event: str) -> None:
        super().__init__("invalid_transition", f"a {current} booking cannot {event.replace('_', ' ')}")
        self.current = current
        self.event = event


def transition(current: str, event: str) -> str:
    """The state after `event`, or `InvalidTransition`. Pass `effective_status(...)` as `current`, so that
    a lapsed hold is refused as expired rather than paid."""
    try:
        return _TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(current, event) from None


def effective_status(stored: str, hold_expires_at: datetime | None, now: datetime) -> str:
    """The status every reader sees: a held booking at or past its expiry is expired."""
    if stored == "held" and hold_expires_at is not None and hold_expires_at <= now:
        return "expired"
    return stored


def is_hold_live(stored: str, hold_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a booking still holds its inventory unpaid; at the expiry instant itself it no longer does."""
    return effective_status(stored, hold_expires_at, now) == "held"
