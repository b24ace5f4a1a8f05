"""What the audit log keeps of a change: the fields that moved, in plain JSON values."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest

from accounts.domain.audit import SYSTEM, Actor, AuditKind, changes, plain
from accounts.domain.identity import STAFF, Identity
from kernel.money import Money


def test_only_the_fields_that_moved_are_kept_on_both_sides() -> None:
    before = {"nightly_minor": 25000, "currency": "MAD", "name": "Studio"}
    after = {"nightly_minor": 30000, "currency": "MAD", "name": "Studio"}
    assert changes(before, after) == ({"nightly_minor": 25000}, {"nightly_minor": 30000})


def test_a_field_on_one_side_only_reads_as_nothing_on_the_other() -> None:
    assert changes({"status": "held"}, {"status": "cancelled", "refund": 0}) == (
        {"refund": None, "status": "held"},
        {"refund": 0, "status": "cancelled"},
    )


def test_a_change_that_moves_nothing_keeps_nothing() -> None:
    assert changes({"units": 2, "share_bp": None}, {"units": 2, "share_bp": None}) == ({}, {})


def test_values_are_made_plain_json_the_same_on_every_database() -> None:
    booking = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert plain(
        {
            "on": date(2026, 12, 20),
            "at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
            "from": time(14, 0),
            "booking": booking,
            "refund": Money(12500, "MAD"),
            "categories": {"retired", "active"},
            "weekdays": (5, 6),
            "kind": AuditKind.TARIFF_SET,
        }
    ) == {
        "on": "2026-12-20",
        "at": "2026-11-23T09:00:00+00:00",
        "from": "14:00:00",
        "booking": str(booking),
        "refund": {"amount_minor": 12500, "currency": "MAD"},
        "categories": ["active", "retired"],
        "weekdays": [5, 6],
        "kind": "tariff.set",
    }


def test_anything_else_is_refused_rather_than_kept_as_its_repr() -> None:
    with pytest.raises(TypeError, match="cannot keep a object"):
        plain(object())


def test_an_actor_is_the_account_as_it_was_or_the_system() -> None:
    staff = Identity(user_id=7, username="staff", role=STAFF)
    assert Actor.of(staff) == Actor("staff", "staff", 7)
    assert Actor.of(SYSTEM) is SYSTEM
    assert SYSTEM.user_id is None
