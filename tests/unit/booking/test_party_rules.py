"""The party of a booking: the member and the people they name; its count is the guests and the pass's
party size."""

from __future__ import annotations

from datetime import date

import pytest

from booking.domain import party
from booking.domain.party import AgeBand, Companion, Relation
from kernel.errors import Conflict, RuleViolation

SPOUSE = Companion("Fatima  Zahra ", Relation.SPOUSE, AgeBand.ADULT)
CHILD = Companion("Yassine", Relation.CHILD, AgeBand.CHILD)


def test_the_party_is_the_member_and_the_people_named() -> None:
    assert party.party_size([]) == 1
    assert party.party_size([SPOUSE, CHILD]) == 3


def test_names_are_tidied_and_an_empty_one_is_refused() -> None:
    assert party.cleaned([SPOUSE], capacity=2)[0].name == "Fatima Zahra"
    with pytest.raises(RuleViolation) as refused:
        party.cleaned([Companion("   ", Relation.OTHER, AgeBand.ADULT)], capacity=5)
    assert refused.value.code == "party_name_missing"


def test_a_party_larger_than_the_unit_is_refused_with_the_capacity() -> None:
    with pytest.raises(RuleViolation) as refused:
        party.cleaned([SPOUSE, CHILD], capacity=2)
    assert (refused.value.code, refused.value.field, refused.value.params) == (
        "party_too_large",
        "party",
        {"capacity": 2},
    )


def test_a_party_named_at_the_hold_must_count_its_guests() -> None:
    party.check_counts_guests([SPOUSE, CHILD], guests=3)
    with pytest.raises(RuleViolation) as refused:
        party.check_counts_guests([SPOUSE], guests=3)
    assert refused.value.params == {"guests": 3, "named": 1}


@pytest.mark.parametrize(
    ("status", "today", "allowed"),
    [
        ("held", date(2026, 12, 19), True),
        ("confirmed", date(2026, 12, 20), True),
        ("confirmed", date(2026, 12, 21), False),
        ("checked_in", date(2026, 12, 20), False),
        ("cancelled", date(2026, 12, 1), False),
    ],
)
def test_the_party_is_named_before_the_stay_begins(status: str, today: date, allowed: bool) -> None:
    if allowed:
        party.check_may_name(status, date(2026, 12, 20), today)
    else:
        with pytest.raises(Conflict):
            party.check_may_name(status, date(2026, 12, 20), today)
