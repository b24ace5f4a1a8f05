"""The audit log's rules: who acted, what kind of change it was, and what is kept of before and after.

Pure: the writer (``accounts.audit.log``) stores what these give. An entry keeps, for a change, only the
fields that moved (``changes``): a tariff set from 250 to 300 MAD reads ``{"nightly_minor": 25000}``
before and ``{"nightly_minor": 30000}`` after, not the whole row twice; a creation keeps no before and
the whole new thing after. Values are made JSON-plain (``plain``): dates and instants in ISO 8601,
UUIDs as text, sets as sorted lists, money as ``{"amount_minor", "currency"}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum, StrEnum
from typing import Any

from accounts.domain.identity import Identity


class AuditKind(StrEnum):
    """Every kind of change the log knows. A closed list: a new kind of staff change adds its member
    here (and its words in ``estivage.web.names.AUDIT_KIND``), so a typo cannot leave a silent hole."""

    CENTRE_CREATED = "centre.created"
    CENTRE_CHANGED = "centre.changed"
    UNIT_TYPE_CREATED = "unit_type.created"
    UNIT_TYPE_CHANGED = "unit_type.changed"
    UNIT_CREATED = "unit.created"
    UNIT_CHANGED = "unit.changed"
    UNIT_CLOSED = "unit.closed"
    SEASON_CREATED = "season.created"
    SEASON_CHANGED = "season.changed"
    TARIFF_SET = "tariff.set"
    QUOTA_SET = "quota.set"
    BOOKING_POLICY_SET = "booking_policy.set"
    PROMOTION_CREATED = "promotion.created"
    PROMOTION_CHANGED = "promotion.changed"
    DEVICE_ENROLLED = "device.enrolled"
    DEVICE_REVOKED = "device.revoked"
    PASS_REVOKED = "pass.revoked"  # noqa: S105 - a kind of change, not a password
    BOOKING_HELD_FOR_MEMBER = "booking.held_for_member"
    BOOKING_PAID_FOR_MEMBER = "booking.paid_for_member"
    BOOKING_CANCELLED_BY_STAFF = "booking.cancelled_by_staff"
    BOOKING_MOVED = "booking.moved"
    PARTY_NAMED_BY_STAFF = "booking.party_named_by_staff"
    BOOKING_CHECKED_IN = "booking.checked_in"
    BOOKING_CHECKED_OUT = "booking.checked_out"
    BOOKING_NO_SHOW = "booking.no_show"
    STAY_ENDED_EARLY = "booking.ended_early"
    UNIT_HOUSEKEEPING_SET = "unit.housekeeping_set"
    CAMPAIGN_CREATED = "campaign.created"
    CAMPAIGN_CHANGED = "campaign.changed"
    CAMPAIGN_CLOSED = "campaign.closed"
    CAMPAIGN_COMMITTED = "campaign.committed"
    CAMPAIGN_DRAWN = "campaign.drawn"
    CAMPAIGN_OPEN_SALE = "campaign.open_sale"
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_CHANGED = "account.changed"
    ROSTER_IMPORTED = "roster.imported"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: an account (its id and name as they were), or the system (a command, a job)."""

    username: str
    role: str
    user_id: int | None = None

    @classmethod
    def of(cls, who: Identity | Actor) -> Actor:
        if isinstance(who, Actor):
            return who
        return cls(who.username, str(who.role), who.user_id)


SYSTEM = Actor("system", "system")


@dataclass(frozen=True, slots=True)
class Subject:
    """What was changed: a kind of thing and its key as people say it (a centre's code, a booking's id,
    ``winter-2026/ifrane/studio/retired`` for a tariff)."""

    kind: str
    key: str


def plain(value: Any) -> Any:
    """A value as JSON can hold it, the same on every database."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    amount, currency = getattr(value, "amount_minor", None), getattr(value, "currency", None)
    if isinstance(amount, int) and isinstance(currency, str):
        return {"amount_minor": amount, "currency": currency}
    raise TypeError(f"the audit log cannot keep a {type(value).__name__}")


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose plain value moved, as (before, after); a field on one side only counts as moved."""
    old, new = plain(before), plain(after)
    moved = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return {k: old.get(k) for k in moved}, {k: new.get(k) for k in moved}


def snapshot(thing: object, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a thing as they are now, plain: taken before and after a change."""
    return {name: plain(getattr(thing, name)) for name in names}
