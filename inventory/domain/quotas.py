"""The quota rule: a share of each unit type reserved per member category.

A member's category may be bounded by a quota: on each night, the units taken by that category stay
within its quota. Categories without a quota are bounded by the units alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from inventory.domain.availability import TakenNight


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """Units reserved for a category: a count, or a share (basis points) of the type's units."""

    units: int | None = None
    share_bp: int | None = None

    def limit(self, total_units: int) -> int:
        if self.units is not None:
            return self.units
        return total_units * (self.share_bp or 0) // 10_000


def quota_room(
    quota_by_night: Mapping[date, QuotaRule | None],
    total_units: int,
    category: str,
    taken: Iterable[TakenNight],
) -> int | None:
    """How many more units the category may take on every night of the stay; None when unbounded.

    Quotas belong to seasons, so a stay across two seasons is bounded by each night's own quota.
    """
    bounded = {night: quota for night, quota in quota_by_night.items() if quota is not None}
    if not bounded:
        return None
    used = Counter(t.night for t in taken if t.category == category)
    return max(0, min(quota.limit(total_units) - used[night] for night, quota in bounded.items()))


def available_units(free: int, room: int | None) -> int:
    """What a member may take: the free units, bounded by their category's room."""
    return free if room is None else min(free, room)
