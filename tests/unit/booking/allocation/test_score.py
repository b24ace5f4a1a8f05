"""The priority score: the published table, the caps, and that weights are the campaign's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.domain.allocation.score import Applicant, MemberStatus, ScoreWeights, score

ACTIVE, RETIRED = MemberStatus.ACTIVE, MemberStatus.RETIRED

# The table published in score.py and docs/allocation.md (default weights, season 2025).
PUBLISHED_TABLE = [
    (None, ACTIVE, 4, 10, 64),
    (2024, ACTIVE, 4, 10, 24),
    (2022, RETIRED, 2, 8, 57),
    (2019, ACTIVE, 7, 5, 80),
    (2023, RETIRED, 1, 11, 38),
    (2024, ACTIVE, 3, 12, 19),
    (None, RETIRED, 5, 1, 100),
    (2025, ACTIVE, 2, 9, 10),
]


@pytest.mark.parametrize(("last_stay", "status", "family", "scale", "expected"), PUBLISHED_TABLE)
def test_the_published_table_holds(
    last_stay: int | None, status: MemberStatus, family: int, scale: int, expected: int
) -> None:
    assert score(Applicant(last_stay, status, family, scale), ScoreWeights(), 2025) == expected


def test_a_member_who_never_stayed_counts_the_most_years() -> None:
    never = Applicant(None, ACTIVE, 1, 11)
    long_ago = Applicant(1990, ACTIVE, 1, 11)
    assert score(never, ScoreWeights(), 2025) == score(long_ago, ScoreWeights(), 2025) == 53


def test_the_weights_are_the_campaigns() -> None:
    weights = ScoreWeights(
        points_per_year_without_stay=7,
        max_years_counted=3,
        points_if_retired=40,
        points_per_family_member=0,
        max_family_members_counted=0,
        points_per_scale_step=5,
        reference_salary_scale=10,
    )
    # 3 years capped (21) + retired (40) + family ignored (0) + 4 steps below scale 10 (20)
    assert score(Applicant(2018, RETIRED, 6, 6), weights, 2025) == 81


def test_lower_pay_earns_more_and_top_scales_earn_nothing() -> None:
    points = [score(Applicant(2024, ACTIVE, 1, scale), ScoreWeights(), 2025) for scale in range(1, 14)]
    assert points == sorted(points, reverse=True)
    assert points[10] == points[11] == points[12]


@pytest.mark.parametrize("weight", ["points_if_retired", "max_years_counted"])
def test_weights_are_non_negative_integers(weight: str) -> None:
    with pytest.raises(ValueError, match=weight):
        ScoreWeights(**{weight: -1})
    with pytest.raises(ValueError, match=weight):
        ScoreWeights(**{weight: True})


def test_facts_must_make_sense() -> None:
    with pytest.raises(ValueError, match="family"):
        Applicant(None, ACTIVE, 0, 5)
    with pytest.raises(ValueError, match="scale"):
        Applicant(None, ACTIVE, 2, 0)


@given(
    last_stay=st.none() | st.integers(1980, 2030),
    retired=st.booleans(),
    family=st.integers(1, 15),
    scale=st.integers(1, 15),
)
def test_scores_are_integers_within_the_published_bounds(
    last_stay: int | None, retired: bool, family: int, scale: int
) -> None:
    applicant = Applicant(last_stay, RETIRED if retired else ACTIVE, family, scale)
    value = score(applicant, ScoreWeights(), 2025)
    assert isinstance(value, int)
    assert 3 <= value <= 50 + 15 + 18 + 20
