"""The party form of a booking page (the member's, and staff's for a member): one line per person the
unit can take besides the member (name, relation, age band); a line left without a name is no one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from booking.domain import party as rules
from booking.domain import states
from booking.services import BookingView
from inventory.domain.calendar import local_today
from inventory.snapshot import CentreView
from kernel.i18n import N_

FIELD = "party"
SAVED = N_("The party is saved.")  # shown once after the form (estivage.web.flash)
RELATIONS = [r.value for r in rules.Relation]
AGE_BANDS = [a.value for a in rules.AgeBand]


@dataclass(frozen=True, slots=True)
class PartyLine:
    number: int
    name: str = ""
    relation: str = rules.Relation.CHILD.value
    age_band: str = rules.AgeBand.CHILD.value


def lines(named: Sequence[rules.Companion], capacity: int) -> list[PartyLine]:
    """The people named so far, then empty lines up to the unit's capacity (the member is one)."""
    filled = [PartyLine(i, c.name, c.relation.value, c.age_band.value) for i, c in enumerate(named, start=1)]
    blanks = [PartyLine(i) for i in range(len(filled) + 1, capacity)]
    return filled + blanks


def companions(form: Mapping[str, str]) -> tuple[rules.Companion, ...]:
    """The lines with a name, in order; a relation or age band not on the lists is a problem of the
    form's ``party`` field (ValueError, shown there)."""
    found = []
    for number in range(1, 50):
        name = form.get(f"name_{number}", "").strip()
        if not name:
            continue
        relation, age_band = form.get(f"relation_{number}", ""), form.get(f"age_band_{number}", "")
        if relation not in RELATIONS or age_band not in AGE_BANDS:
            raise ValueError(f"line {number}: not a relation or age band of the lists")
        found.append(rules.Companion(name, rules.Relation(relation), rules.AgeBand(age_band)))
    return tuple(found)


def party_context(view: BookingView, centre: CentreView, now: datetime, action: str) -> dict[str, Any]:
    """What ``_party.html`` shows: the lines, and whether the party may still change."""
    booking = view.booking
    status = states.effective_status(booking.status, booking.hold_expires_at, now)
    capacity = centre.unit_type(view.unit_type).capacity
    return {
        "party_action": action,
        "party_named": view.party or (),
        "party_lines": lines(view.party or (), capacity),
        "party_open": rules.may_name(status, booking.arrival, local_today(now, centre.time_zone)),
        "relations": RELATIONS,
        "age_bands": AGE_BANDS,
    }
