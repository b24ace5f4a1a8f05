"""The life of a booking: held → confirmed (paid) → checked_in → completed; or cancelled, expired, no_show.

A hold whose expiry has passed *is* expired for every reader, whatever the stored status still says:
no job has to run for the inventory to be free again.
"""

from __future__ import annotations

from datetime import datetime

from inventory.domain.errors import Conflict

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


def transition(current: str, event: str) -> str:
    """The state after `event`, or a 409 `invalid_transition` that names both."""
    try:
        return _TRANSITIONS[(current, event)]
    except KeyError:
        raise Conflict(
            "invalid_transition", f"a {current} booking cannot {event.replace('_', ' ')}"
        ) from None


def effective_status(stored: str, hold_expires_at: datetime | None, now: datetime) -> str:
    if stored == "held" and hold_expires_at is not None and hold_expires_at <= now:
        return "expired"
    return stored
