"""Who is inside, from granted scans: the rule behind the managers' live count and list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from access.domain.presence import Inside, parties_inside

T0 = datetime(2027, 1, 10, 15, tzinfo=UTC)
FAMILY, COUPLE, STRAY = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_entries_less_exits_per_pass_since_the_entry_that_found_nobody_inside() -> None:
    scans = [
        (FAMILY, "in", at(0)),
        (FAMILY, "in", at(1)),
        (COUPLE, "in", at(2)),
        (COUPLE, "out", at(30)),
        (COUPLE, "in", at(60)),
        (FAMILY, "out", at(61)),
        (STRAY, "out", at(62)),  # an exit whose entry a gate never uploaded: nobody counted below zero
        (None, "in", at(63)),  # a refused code carries no pass
    ]

    assert parties_inside(scans) == {FAMILY: Inside(1, at(0)), COUPLE: Inside(1, at(60))}


def test_a_pass_that_went_below_zero_counts_again_from_its_next_entry() -> None:
    scans = [(STRAY, "out", at(0)), (STRAY, "in", at(5)), (STRAY, "in", at(6))]

    assert parties_inside(scans) == {STRAY: Inside(1, at(6))}
