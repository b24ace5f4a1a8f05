"""Counting what a member can take, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from inventory.domain.availability import TakenNight, free_units
from inventory.domain.pricing import nightly_prices
from inventory.domain.quotas import QuotaRule, available_units, quota_room
from kernel.money import MAD, Money

NIGHTS = [date(2026, 12, 20) + timedelta(days=i) for i in range(3)]


def test_a_unit_taken_on_any_night_of_the_stay_is_not_free() -> None:
    taken = [TakenNight(2, NIGHTS[2], "active")]
    assert free_units([1, 2, 3], NIGHTS, taken, {}) == [1, 3]


def test_a_unit_out_of_service_on_one_night_is_not_free_but_one_closed_after_the_stay_is() -> None:
    closed = {
        1: [(NIGHTS[1], NIGHTS[1] + timedelta(days=5))],
        2: [(NIGHTS[2] + timedelta(days=1), date(2027, 1, 5))],
    }
    assert free_units([1, 2], NIGHTS, [], closed) == [2]


def test_a_closure_ending_on_arrival_day_does_not_block() -> None:
    closed = {1: [(date(2026, 12, 1), NIGHTS[0])]}
    assert free_units([1], NIGHTS, [], closed) == [1]


def test_without_a_quota_the_category_is_bounded_by_the_units_alone() -> None:
    assert quota_room(dict.fromkeys(NIGHTS), 10, "active", []) is None
    assert available_units(7, None) == 7


def test_the_quota_is_the_smallest_room_left_over_the_nights() -> None:
    quota = QuotaRule(share_bp=5000)  # half of 6 units = 3
    taken = [
        TakenNight(1, NIGHTS[0], "retired"),
        TakenNight(2, NIGHTS[1], "retired"),
        TakenNight(3, NIGHTS[1], "retired"),
        TakenNight(4, NIGHTS[1], "active"),
    ]
    assert quota_room(dict.fromkeys(NIGHTS, quota), 6, "retired", taken) == 1
    assert available_units(2, 1) == 1


def test_a_quota_already_overrun_leaves_no_room_rather_than_negative() -> None:
    taken = [TakenNight(i, NIGHTS[0], "retired") for i in range(4)]
    assert quota_room(dict.fromkeys(NIGHTS, QuotaRule(units=2)), 10, "retired", taken) == 0


@pytest.mark.parametrize(
    ("share_bp", "units", "limit"), [(5000, 3, 1), (3000, 10, 3), (10000, 4, 4), (0, 4, 0)]
)
def test_a_share_quota_rounds_down(share_bp: int, units: int, limit: int) -> None:
    assert QuotaRule(share_bp=share_bp).limit(units) == limit


def test_a_night_without_tariff_makes_the_type_unpriced() -> None:
    prices = {NIGHTS[0]: Money(100, MAD), NIGHTS[1]: Money(100, MAD)}
    assert nightly_prices(NIGHTS, prices) is None
    prices[NIGHTS[2]] = Money(150, MAD)
    assert nightly_prices(NIGHTS, prices) == [
        (NIGHTS[0], Money(100, MAD)),
        (NIGHTS[1], Money(100, MAD)),
        (NIGHTS[2], Money(150, MAD)),
    ]
