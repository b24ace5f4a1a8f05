"""Who is inside a centre, from its granted gate scans: the rule behind the managers' live count and
their list of parties on site, so that the list's persons always add up to the count.

Per party (a booking: its passes, reissued or not, count together), granted entries less granted
exits; a party with nobody counted inside is left out (an exit without an entry, a gate offline for
the entry, never counts below zero). A party is inside since the entry that took it from nobody
inside to someone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Inside:
    persons: int
    since: datetime


def parties_inside(scans: Iterable[tuple[uuid.UUID | None, str, datetime]]) -> dict[uuid.UUID, Inside]:
    """`scans`: (party, direction "in"/"out", at) of granted scans, in their order at the gates."""
    count: Counter[uuid.UUID] = Counter()
    since: dict[uuid.UUID, datetime] = {}
    for pass_id, direction, scanned_at in scans:
        if pass_id is None:  # only refused scans lack a pass id
            continue
        if direction == "in" and count[pass_id] <= 0:
            since[pass_id] = scanned_at
        count[pass_id] += 1 if direction == "in" else -1
    return {p: Inside(n, since[p]) for p, n in count.items() if n > 0 and p in since}
