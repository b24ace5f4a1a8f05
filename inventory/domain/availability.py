"""Which units of a type are free for a stay: in service and not taken on any of its nights, so that a
stay is spent in one unit. How many of them a member may take is the quota rule (``quotas``); what each
night costs is the tariff rule (``pricing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class TakenNight:
    unit_id: int
    night: date
    category: str


def free_units(
    unit_ids: Iterable[int],
    nights: Sequence[date],
    taken: Iterable[TakenNight],
    closed: Mapping[int, Iterable[tuple[date, date]]],
) -> list[int]:
    """Units neither taken nor out of service on any night of the stay, in a stable order."""
    busy = {t.unit_id for t in taken}
    first, last = nights[0], nights[-1]

    def in_service(unit_id: int) -> bool:
        return all(ends <= first or starts > last for starts, ends in closed.get(unit_id, ()))

    return sorted(u for u in unit_ids if u not in busy and in_service(u))
