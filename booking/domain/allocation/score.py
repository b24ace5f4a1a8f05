"""The summer priority score: a pure function of a member's facts and the campaign's weights.

Scores are integers so that two applicants either tie exactly or do not; a tie is then broken by the
lottery (``lottery.py``), never by floating-point noise or the order rows come out of a database.

The score is the sum of four parts (every weight is set per campaign by the staff):

* **Years without a summer stay**: ``points_per_year_without_stay`` for each season since the member's
  last summer stay, counting at most ``max_years_counted`` seasons. A member who never had one counts
  the maximum, so that newcomers are not behind members who stayed long ago.
* **Retired**: ``points_if_retired`` for a retired member, nothing for an active one.
* **Family**: ``points_per_family_member`` for each person of the family, counting at most
  ``max_family_members_counted``.
* **Salary scale** (the social criterion): ``points_per_scale_step`` for each step of the member's
  salary scale below ``reference_salary_scale``; the reference scale and above (e.g. "hors échelle",
  recorded as 12) earn nothing, so lower pay earns more points.

Published table, default weights, season 2025 (reproduced by ``tests/unit/booking/allocation/test_score.py``
and ``docs/allocation.md``)::

    last summer stay  status   family  scale | years  retired  family  scale | score
    never             active   4       10    |   50       0      12      2   |   64
    2024              active   4       10    |   10       0      12      2   |   24
    2022              retired  2        8    |   30      15       6      6   |   57
    2019              active   7        5    |   50       0      18     12   |   80
    2023              retired  1       11    |   20      15       3      0   |   38
    2024              active   3       12    |   10       0       9      0   |   19
    never             retired  5        1    |   50      15      15     20   |  100
    2025              active   2        9    |    0       0       6      4   |   10
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class MemberStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    points_per_year_without_stay: int = 10
    max_years_counted: int = 5
    points_if_retired: int = 15
    points_per_family_member: int = 3
    max_family_members_counted: int = 6
    points_per_scale_step: int = 2
    reference_salary_scale: int = 11

    def __post_init__(self) -> None:
        for weight in fields(self):
            value = getattr(self, weight.name)
            # bool is an int in Python; a True weight would be a configuration slip, not a 1.
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{weight.name} must be a non-negative integer, not {value!r}")


@dataclass(frozen=True, slots=True)
class Applicant:
    """The facts the score reads, as the member file holds them when applications close."""

    last_summer_stay_year: int | None
    status: MemberStatus
    family_size: int
    salary_scale: int

    def __post_init__(self) -> None:
        if self.family_size < 1:
            raise ValueError("a family counts at least the member")
        if self.salary_scale < 1:
            raise ValueError("salary scales start at 1")


def years_without_stay(applicant: Applicant, weights: ScoreWeights, season_year: int) -> int:
    """Seasons since the last summer stay, capped; a stay in this season or later (a data slip) counts 0."""
    if applicant.last_summer_stay_year is None:
        return weights.max_years_counted
    return max(0, min(season_year - applicant.last_summer_stay_year, weights.max_years_counted))


def score(applicant: Applicant, weights: ScoreWeights, season_year: int) -> int:
    """The applicant's priority for the summer of ``season_year``: higher is served first."""
    years = years_without_stay(applicant, weights, season_year)
    retired = weights.points_if_retired if applicant.status is MemberStatus.RETIRED else 0
    family = min(applicant.family_size, weights.max_family_members_counted)
    scale_steps = max(0, weights.reference_salary_scale - applicant.salary_scale)
    return (
        years * weights.points_per_year_without_stay
        + retired
        + family * weights.points_per_family_member
        + scale_steps * weights.points_per_scale_step
    )
