"""Stay rules and seasons, without a database."""

from __future__ import annotations

from datetime import date, time

import pytest

from inventory.domain.calendar import (
    MAX_DAYS_AHEAD,
    SeasonKind,
    SeasonRule,
    Stay,
    check_dates,
    direct_booking_seasons,
    season_of,
    stay_window,
)
from kernel.errors import RuleViolation

OFF = SeasonRule(
    1,
    SeasonKind.OFF_SEASON,
    date(2026, 9, 1),
    date(2027, 7, 1),
    for_one_centre=False,
    min_nights=2,
    max_nights=14,
)
SUMMER = SeasonRule(2, SeasonKind.SUMMER, date(2027, 7, 1), date(2027, 9, 1), for_one_centre=False)
WINTER_CLOSURE = SeasonRule(3, SeasonKind.CLOSED, date(2026, 11, 1), date(2027, 3, 1), for_one_centre=True)
WEEKENDS = SeasonRule(
    4,
    SeasonKind.OFF_SEASON,
    date(2027, 3, 1),
    date(2027, 5, 1),
    for_one_centre=True,
    min_nights=2,
    max_nights=3,
    arrival_weekdays=frozenset({5, 6}),
)


def test_a_stay_takes_the_nights_from_arrival_to_the_eve_of_departure() -> None:
    stay = Stay(date(2026, 12, 30), date(2027, 1, 2), 2)
    assert stay.nights == [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]
    assert stay.night_count == 3


def test_a_centres_closure_beats_the_foundation_wide_off_season() -> None:
    assert season_of(date(2026, 12, 20), [OFF, WINTER_CLOSURE]) is WINTER_CLOSURE
    assert season_of(date(2027, 3, 2), [OFF, WINTER_CLOSURE]) is OFF


def test_a_centres_own_season_beats_the_foundation_wide_one() -> None:
    assert season_of(date(2027, 3, 12), [OFF, WEEKENDS]) is WEEKENDS


def test_a_night_outside_every_season_has_none() -> None:
    assert season_of(date(2030, 1, 1), [OFF, SUMMER]) is None


@pytest.mark.parametrize(
    ("arrival", "departure", "guests", "code"),
    [
        (date(2026, 12, 24), date(2026, 12, 20), 2, "invalid_dates"),
        (date(2026, 12, 20), date(2026, 12, 20), 2, "invalid_dates"),
        (date(2026, 11, 22), date(2026, 11, 25), 2, "arrival_in_past"),
        (date(2028, 6, 1), date(2028, 6, 3), 2, "arrival_too_far"),
        (date(2026, 12, 20), date(2026, 12, 22), 0, "invalid_guests"),
    ],
)
def test_dates_that_cannot_make_a_stay_are_refused(
    arrival: date, departure: date, guests: int, code: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_dates(arrival, departure, guests, today=date(2026, 11, 23))
    assert refused.value.code == code


def test_arriving_today_is_allowed() -> None:
    assert check_dates(date(2026, 11, 23), date(2026, 11, 25), 1, today=date(2026, 11, 23)).night_count == 2


@pytest.mark.parametrize(
    ("arrival", "departure", "code"),
    [
        (date(2027, 6, 28), date(2027, 7, 3), "summer_by_application"),
        (date(2027, 1, 10), date(2027, 1, 11), "stay_too_short"),
        (date(2027, 1, 10), date(2027, 1, 30), "stay_too_long"),
        (date(2027, 3, 8), date(2027, 3, 10), "arrival_weekday"),
        (date(2027, 3, 12), date(2027, 3, 16), "stay_too_long"),
    ],
)
def test_stay_rules_of_the_arrival_season_apply(arrival: date, departure: date, code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        direct_booking_seasons(Stay(arrival, departure, 2), [OFF, SUMMER, WEEKENDS])
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("arrival", "departure", "params"),
    [
        (date(2027, 1, 10), date(2027, 1, 11), {"min_nights": 2}),
        (date(2027, 1, 10), date(2027, 1, 30), {"max_nights": 14}),
        (date(2027, 3, 8), date(2027, 3, 10), {"weekdays": "5,6"}),
    ],
)
def test_a_broken_stay_rule_carries_the_seasons_figures(
    arrival: date, departure: date, params: dict[str, object]
) -> None:
    with pytest.raises(RuleViolation) as refused:
        direct_booking_seasons(Stay(arrival, departure, 2), [OFF, SUMMER, WEEKENDS])
    assert refused.value.params == params


def test_an_arrival_too_far_ahead_says_how_far_it_may_be() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_dates(date(2028, 6, 1), date(2028, 6, 3), 2, today=date(2026, 11, 23))
    assert refused.value.params == {"max_days": MAX_DAYS_AHEAD}


def test_a_stay_in_a_closed_period_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        direct_booking_seasons(Stay(date(2027, 2, 26), date(2027, 3, 3), 2), [OFF, WINTER_CLOSURE])
    assert refused.value.code == "centre_closed"


def test_each_night_gets_its_own_season() -> None:
    seasons = direct_booking_seasons(Stay(date(2027, 2, 27), date(2027, 3, 1), 2), [OFF])
    assert seasons == [OFF, OFF]


def test_the_stay_window_runs_from_the_arrival_hour_to_the_departure_hour_in_the_centre_zone() -> None:
    start, end = stay_window(
        Stay(date(2026, 12, 20), date(2026, 12, 24), 2), time(14), time(12), "Africa/Casablanca"
    )
    assert start.isoformat() == "2026-12-20T14:00:00+01:00"
    assert end.isoformat() == "2026-12-24T12:00:00+01:00"
