"""The summer form's guide: a centre, then its rotations, then the unit types that hold the party."""

from __future__ import annotations

from estivage.web.summer_guide import Guide, Slot

SLOTS = [
    Slot("ifrane", "r2", "apt2", units=4, capacity=5),
    Slot("ifrane", "r1", "bungalow", units=3, capacity=6),
    Slot("ifrane", "r1", "apt2", units=4, capacity=5),
    Slot("saidia", "r1", "studio", units=0, capacity=2),  # none offered
    Slot("saidia", "r2", "studio", units=2, capacity=2),
]


def test_rotations_follow_the_centre_in_date_order_and_unoffered_slots_are_left_out() -> None:
    guide = Guide(SLOTS, party=None, rotation_order=["r1", "r2"])
    assert guide.centres() == ["ifrane", "saidia"]
    assert guide.rotations("ifrane") == ["r1", "r2"]
    assert guide.rotations("saidia") == ["r2"]
    assert guide.rotations("") == []


def test_only_unit_types_that_hold_the_party_are_offered() -> None:
    guide = Guide(SLOTS, party=6, rotation_order=["r1", "r2"])
    assert [s.unit_type for s in guide.unit_types("ifrane", "r1")] == ["bungalow"]
    assert guide.centres() == ["ifrane"]  # no studio holds six
    assert guide.rotations("ifrane") == ["r1"]


def test_a_changed_choice_empties_what_it_no_longer_allows() -> None:
    guide = Guide(SLOTS, party=6, rotation_order=["r1", "r2"])
    chosen = {"centre": "ifrane", "rotation": "r2", "unit_type": "apt2"}
    assert guide.narrow(chosen) == {"centre": "ifrane", "rotation": "", "unit_type": ""}
    kept = {"centre": "ifrane", "rotation": "r1", "unit_type": "bungalow"}
    assert guide.narrow(kept) == kept
    assert guide.narrow({"centre": "saidia"}) == {"centre": "", "rotation": "", "unit_type": ""}
