"""Revealing the seed in the stored inputs document gives exactly the document the rules would write."""

from __future__ import annotations

from booking.campaigns.draw import _revealed
from booking.domain.allocation import Application, Campaign, Slot
from booking.domain.allocation.publication import inputs_from_json, inputs_to_json, prepare_draw

SEED = bytes(range(32))


def test_revealing_the_seed_changes_only_the_seed() -> None:
    slot = Slot("saidia", "r1", "room")
    applications = [Application(f"S27-{i:03d}", "active", i % 4, (slot,)) for i in range(20)]
    # An application id that looks like the seed line must not be touched.
    applications.append(Application('x", "seed": "', "retired", 1, (slot,)))
    inputs = prepare_draw("summer-2027", Campaign({slot: 3}, {slot: {"retired": 1}}), applications, SEED)
    published = inputs_to_json(inputs)

    revealed = _revealed(published, SEED)

    assert revealed == inputs_to_json(inputs.revealed(SEED))
    assert inputs_from_json(revealed).seed == SEED
