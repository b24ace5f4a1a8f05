"""Stays and seasons: which nights a stay takes, which season each night falls in, and the stay rules.

A stay from arrival to departure takes the nights arrival, arrival+1, …, departure-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation

# How far ahead a stay may be searched or booked; beyond it no season is configured anyway.
MAX_DAYS_AHEAD = 550
# The longest stay a season may allow (its max_nights); the staff API refuses more.
MAX_STAY_NIGHTS = 90


class SeasonKind(StrEnum):
    SUMMER = "summer"
    OFF_SEASON = "off_season"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class SeasonRule:
    """What the booking rules need to know of a season. Nights in [starts_on, ends_on)."""

    id: int
    kind: SeasonKind
    starts_on: date
    ends_on: date
    for_one_centre: bool
    min_nights: int = 1
    max_nights: int = 14
    arrival_weekdays: frozenset[int] = frozenset(range(1, 8))
    # A summer season staff put on open sale after its draw: its nights are sold directly, by these rules.
    open_sale: bool = False

    def covers(self, night: date) -> bool:
        return self.starts_on <= night < self.ends_on


@dataclass(frozen=True, slots=True)
class Stay:
    arrival: date
    departure: date
    guests: int

    @property
    def nights(self) -> list[date]:
        return [self.arrival + timedelta(days=i) for i in range((self.departure - self.arrival).days)]

    @property
    def night_count(self) -> int:
        return (self.departure - self.arrival).days


def _precedence(season: SeasonRule) -> tuple[int, int]:
    # A closure beats any open season; a centre's own season beats a foundation-wide one.
    return (season.kind == SeasonKind.CLOSED, season.for_one_centre)


def season_of(night: date, seasons: Sequence[SeasonRule]) -> SeasonRule | None:
    covering = [s for s in seasons if s.covers(night)]
    return max(covering, key=_precedence, default=None)


def check_dates(arrival: date, departure: date, guests: int, today: date) -> Stay:
    """The checks that need no configuration: order of the dates, not in the past, not too far, party."""
    if guests < 1:
        raise RuleViolation(ErrorCode.INVALID_GUESTS, "guests must be at least 1", field="guests")
    if departure <= arrival:
        raise RuleViolation(ErrorCode.INVALID_DATES, "departure must be after arrival", field="departure")
    if arrival < today:
        raise RuleViolation(
            ErrorCode.ARRIVAL_IN_PAST, f"arrival {arrival} is before today ({today})", field="arrival"
        )
    if arrival > today + timedelta(days=MAX_DAYS_AHEAD):
        raise RuleViolation(
            ErrorCode.ARRIVAL_TOO_FAR,
            f"arrival may be at most {MAX_DAYS_AHEAD} days ahead",
            field="arrival",
            params={"max_days": MAX_DAYS_AHEAD},
        )
    return Stay(arrival, departure, guests)


def direct_booking_seasons(stay: Stay, seasons: Sequence[SeasonRule]) -> list[SeasonRule]:
    """The season of each night of a stay booked directly (off-season), after checking the stay rules
    of the arrival night's season. Summer nights are allocated by application, never sold directly, until
    staff put the season on open sale after its draw (the units the draw left empty)."""
    per_night: list[SeasonRule] = []
    for night in stay.nights:
        season = season_of(night, seasons)
        if season is None or season.kind == SeasonKind.CLOSED:
            raise RuleViolation(
                ErrorCode.CENTRE_CLOSED, f"the centre is closed on the night of {night}", field="arrival"
            )
        if season.kind == SeasonKind.SUMMER and not season.open_sale:
            raise RuleViolation(
                ErrorCode.SUMMER_BY_APPLICATION,
                f"the night of {night} is in the summer season, allocated by application",
                field="arrival",
            )
        per_night.append(season)
    _check_stay_rules(stay, per_night[0])
    return per_night


def _check_stay_rules(stay: Stay, season: SeasonRule) -> None:
    if stay.night_count < season.min_nights:
        raise RuleViolation(
            ErrorCode.STAY_TOO_SHORT,
            f"a stay in this season lasts at least {season.min_nights} nights",
            field="departure",
            params={"min_nights": season.min_nights},
        )
    if stay.night_count > season.max_nights:
        raise RuleViolation(
            ErrorCode.STAY_TOO_LONG,
            f"a stay in this season lasts at most {season.max_nights} nights",
            field="departure",
            params={"max_nights": season.max_nights},
        )
    if stay.arrival.isoweekday() not in season.arrival_weekdays:
        weekdays = sorted(season.arrival_weekdays)
        raise RuleViolation(
            ErrorCode.ARRIVAL_WEEKDAY,
            f"arrivals in this season are on {', '.join(_WEEKDAY_NAMES[d] for d in weekdays)}",
            field="arrival",
            params={"weekdays": ",".join(str(d) for d in weekdays)},  # ISO weekdays, 1 is Monday
        )


_WEEKDAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}


def local_today(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def stay_window(
    stay: Stay, arrival_time: time, departure_time: time, time_zone: str
) -> tuple[datetime, datetime]:
    """From the arrival day's arrival hour to the departure day's departure hour, in the centre's zone."""
    zone = ZoneInfo(time_zone)
    return (
        datetime.combine(stay.arrival, arrival_time, tzinfo=zone),
        datetime.combine(stay.departure, departure_time, tzinfo=zone),
    )
