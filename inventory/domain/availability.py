"""How many units of a type a member can still take for a stay, and at what nightly prices.

A unit counts when it is free (in service, not taken) on every night of the stay, so that a stay is
spent in one unit. A member's category may be bounded by a quota: on each night, the units taken by
that category stay within its quota. Categories without a quota are bounded by the units alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kernel.money import Money


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """Units reserved for a category: a count, or a share (basis points) of the type's units."""

    units: int | None = None
    share_bp: int | None = None

    def limit(self, total_units: int) -> int:
        if self.units is not None:
            return self.units
        return total_units * (self.share_bp or 0) // 10_000


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
    return free if room is None else min(free, room)


def nightly_prices(
    nights: Sequence[date], price_by_night: Mapping[date, Money]
) -> list[tuple[date, Money]] | None:
    """The price of each night, or None when a night has no tariff for this type and category."""
    if any(night not in price_by_night for night in nights):
        return None
    return [(night, price_by_night[night]) for night in nights]
