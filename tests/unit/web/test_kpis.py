"""The staff's occupancy rate counts capacity only on the nights a centre is open: a night in no season or
in a closed season is no capacity, nor is a unit's closure."""

from __future__ import annotations

from datetime import date, time

from estivage.web.kpis import open_unit_nights
from inventory.domain.calendar import SeasonKind, SeasonRule
from inventory.snapshot import CentreView, UnitTypeView


def centre(seasons: tuple[SeasonRule, ...], closures: dict[int, tuple[tuple[date, date], ...]]) -> CentreView:
    return CentreView(
        id=1,
        code="mdiq",
        name_fr="M'diq",
        name_ar="المضيق",
        time_zone="Africa/Casablanca",
        arrival_time=time(14),
        departure_time=time(12),
        unit_types=(UnitTypeView(1, "studio", "Studio", "استوديو", 2, (10, 11, 12)),),
        seasons=seasons,
        closures=closures,
        tariffs={},
        quotas={},
        unit_numbers={},
    )


def test_closed_seasons_nights_without_a_season_and_unit_closures_are_no_capacity() -> None:
    open_all_year = SeasonRule(1, SeasonKind.OFF_SEASON, date(2026, 1, 1), date(2027, 1, 1), False)
    winter = SeasonRule(2, SeasonKind.CLOSED, date(2026, 1, 1), date(2026, 1, 4), True)  # the centre's own
    view = centre((open_all_year, winter), {10: ((date(2026, 1, 5), date(2026, 1, 6)),)})
    nights = open_unit_nights(view, date(2025, 12, 31), date(2026, 1, 6))
    assert nights == {date(2026, 1, 4): 3, date(2026, 1, 5): 2, date(2026, 1, 6): 3}
