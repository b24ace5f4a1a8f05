"""The party of a booking: the member and the people they name (name, relation, age band).

The rule, in one sentence: once the member names the party, the booking's guests are the member plus
the people named, and that count is the party size on the pass. So:

- at the hold, a party given must count the guests asked for (the member and ``guests - 1`` others),
  or the hold is refused (``party_count_mismatch``): the two figures can never disagree;
- after the hold, naming the party again (before the stay begins) sets the guests to its count, within
  the unit's capacity (``party_too_large``); the pass is issued again with the new count;
- a party never named leaves the guests as held: the pass carries that count, the arrivals list says
  the names are missing.

The member is always one of the guests: a stay is a member's benefit, taken by the member with them.
Everyone counts, infants included: the unit's capacity counts beds and the gate counts persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from booking.domain import states
from kernel.codes import ErrorCode
from kernel.errors import Conflict, RuleViolation

MAX_NAME = 100


class Relation(StrEnum):
    """The named person's relation to the member."""

    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


class AgeBand(StrEnum):
    ADULT = "adult"  # 18 and over
    TEEN = "teen"  # 12 to 17
    CHILD = "child"  # 2 to 11
    INFANT = "infant"  # under 2


@dataclass(frozen=True, slots=True)
class Companion:
    name: str
    relation: Relation
    age_band: AgeBand


# Until the stay begins: a held or confirmed booking, up to its arrival day.
NAMEABLE = frozenset({states.HELD, states.CONFIRMED})


def party_size(companions: Sequence[Companion]) -> int:
    """The guests of a named party: the member and the people named."""
    return 1 + len(companions)


def cleaned(companions: Sequence[Companion], capacity: int) -> tuple[Companion, ...]:
    """The party as it is kept: names with their spaces tidied, none empty, the count within capacity."""
    tidy = []
    for companion in companions:
        name = " ".join(companion.name.split())
        if not name:
            raise RuleViolation(
                ErrorCode.PARTY_NAME_MISSING, "every person of the party needs a name", field="party"
            )
        if len(name) > MAX_NAME:
            raise RuleViolation(
                ErrorCode.PARTY_NAME_TOO_LONG, f"a name has at most {MAX_NAME} characters", field="party"
            )
        tidy.append(Companion(name, Relation(companion.relation), AgeBand(companion.age_band)))
    if party_size(tidy) > capacity:
        raise RuleViolation(
            ErrorCode.PARTY_TOO_LARGE,
            f"this unit holds at most {capacity} persons, the member included",
            field="party",
            params={"capacity": capacity},
        )
    return tuple(tidy)


def check_counts_guests(companions: Sequence[Companion], guests: int) -> None:
    """A party named at the hold counts the guests asked for."""
    if party_size(companions) != guests:
        raise RuleViolation(
            ErrorCode.PARTY_COUNT_MISMATCH,
            f"a party of {guests} is the member and {guests - 1} named persons; {len(companions)} were named",
            field="party",
            params={"guests": guests, "named": len(companions)},
        )


def may_name(status: str, arrival: date, today: date) -> bool:
    """The party is named (or named again) before the stay begins: a held or confirmed booking, on or
    before its arrival day in the centre's time."""
    return status in NAMEABLE and today <= arrival


def check_may_name(status: str, arrival: date, today: date) -> None:
    if not may_name(status, arrival, today):
        raise Conflict(
            ErrorCode.PARTY_LOCKED, f"the party of a {status} booking can no longer change", field="party"
        )
