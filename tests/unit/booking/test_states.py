"""The booking state machine: every pair of state and event either moves as documented or is refused.

The table of allowed moves is in test_lifecycle_rules.py; here, what holds for every other pair and for
holds whose time is up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.domain.states import EVENTS, InvalidTransition, effective_status, is_hold_live, transition
from kernel.errors import Conflict

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
STATES = ("held", "confirmed", "checked_in", "checked_out", "expired", "cancelled", "no_show")
ALLOWED = {
    ("held", "pay"),
    ("held", "cancel"),
    ("held", "expire"),
    ("confirmed", "check_in"),
    ("confirmed", "cancel"),
    ("confirmed", "no_show"),
    ("checked_in", "check_out"),
    ("checked_in", "end_early"),
    ("no_show", "check_in"),  # a party that comes after all, its nights kept
}
REFUSED = [(state, event) for state in STATES for event in sorted(EVENTS) if (state, event) not in ALLOWED]


@pytest.mark.parametrize(("state", "event"), REFUSED)
def test_every_move_not_in_the_table_is_an_invalid_transition_naming_state_and_event(
    state: str, event: str
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(state, event)
    assert isinstance(refused.value, Conflict)
    assert refused.value.code == "invalid_transition"
    assert (refused.value.current, refused.value.event) == (state, event)


@pytest.mark.parametrize("state", ["checked_out", "expired", "cancelled"])
def test_a_finished_booking_accepts_no_event(state: str) -> None:
    assert all((state, event) not in ALLOWED for event in EVENTS)


def test_an_unknown_event_is_refused_like_a_wrong_one() -> None:
    with pytest.raises(InvalidTransition):
        transition("held", "refund")


@pytest.mark.parametrize(
    ("stored", "expires_in", "live"),
    [
        ("held", timedelta(minutes=5), True),
        ("held", timedelta(microseconds=1), True),
        ("held", timedelta(0), False),
        ("held", -timedelta(minutes=1), False),
        ("confirmed", timedelta(minutes=5), False),
        ("expired", timedelta(minutes=5), False),
        ("cancelled", timedelta(minutes=5), False),
    ],
)
def test_a_hold_is_live_only_while_held_and_before_its_expiry(
    stored: str, expires_in: timedelta, live: bool
) -> None:
    assert is_hold_live(stored, NOW + expires_in, NOW) is live


def test_a_lapsed_hold_cannot_be_paid_even_when_its_stored_status_still_says_held() -> None:
    current = effective_status("held", NOW - timedelta(seconds=1), NOW)
    with pytest.raises(InvalidTransition) as refused:
        transition(current, "pay")
    assert refused.value.current == "expired"


def test_a_lapsed_hold_may_still_be_marked_expired_by_the_tidying_job() -> None:
    assert transition("held", "expire") == "expired"
