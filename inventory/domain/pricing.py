"""The tariff rule: each night of a stay costs the nightly tariff of its season, unit type and member
category (social pricing: the categories pay differently). Promotions then come off the total
(``booking.domain.promotions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from kernel.money import Money


def nightly_prices(
    nights: Sequence[date], price_by_night: Mapping[date, Money]
) -> list[tuple[date, Money]] | None:
    """The price of each night, or None when a night has no tariff for this type and category."""
    if any(night not in price_by_night for night in nights):
        return None
    return [(night, price_by_night[night]) for night in nights]
