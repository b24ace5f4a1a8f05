"""Per-member limits on direct booking, enforced by the server whatever the page shows."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class MemberLimits:
    max_open_holds: int
    max_off_season_nights_per_year: int


@dataclass(frozen=True, slots=True)
class MemberUsage:
    """What the member already has: holds still alive, and off-season nights booked (held or confirmed)
    in the calendar year of the new stay's arrival."""

    open_holds: int
    nights_this_year: int


def check_member_limits(limits: MemberLimits, usage: MemberUsage, new_nights: int) -> None:
    if usage.open_holds >= limits.max_open_holds:
        raise RuleViolation(
            ErrorCode.OPEN_HOLD_LIMIT,
            f"you already hold {usage.open_holds} unpaid booking(s); pay or cancel it before holding another",
        )
    if usage.nights_this_year + new_nights > limits.max_off_season_nights_per_year:
        left = max(0, limits.max_off_season_nights_per_year - usage.nights_this_year)
        raise RuleViolation(
            ErrorCode.YEARLY_NIGHTS_LIMIT,
            f"at most {limits.max_off_season_nights_per_year} off-season nights a year; {left} left",
            field="departure",
            params={"max_nights": limits.max_off_season_nights_per_year, "left": left},
        )
