"""Revealing the seeds in the stored inputs document gives exactly the document the rules would write."""

from __future__ import annotations

import dataclasses

from booking.campaigns.draw import _revealed
from booking.domain.allocation import Application, Campaign, Slot
from booking.domain.allocation.publication import inputs_from_json, inputs_to_json, prepare_draw

SEED = bytes(range(32))
CLOSE_SEED = bytes(range(32, 64))


def test_revealing_the_seeds_changes_only_the_seeds() -> None:
    slot = Slot("saidia", "r1", "room")
    applications = [Application(f"S27-{i:03d}", "active", i % 4, (slot,)) for i in range(20)]
    # Application ids that look like the seed lines must not be touched.
    applications.append(Application('x", "seed": "', "retired", 1, (slot,)))
    applications.append(Application('\n "close_seed": "",\n', "retired", 1, (slot,)))
    campaign = Campaign({slot: 3}, {slot: {"retired": 1}})
    inputs = prepare_draw("summer-2027", campaign, applications, SEED, CLOSE_SEED)
    shown = inputs.revealed(SEED, CLOSE_SEED)

    revealed = _revealed(inputs_to_json(inputs), shown)

    assert revealed == inputs_to_json(shown)
    assert (inputs_from_json(revealed).seed, inputs_from_json(revealed).close_seed) == (SEED, CLOSE_SEED)


def test_inputs_of_format_1_reveal_their_one_seed() -> None:
    slot = Slot("saidia", "r1", "room")
    applications = [Application(f"S27-{i:03d}", "active", i % 4, (slot,)) for i in range(5)]
    two_seeds = prepare_draw("summer-2027", Campaign({slot: 3}), applications, SEED, CLOSE_SEED)
    inputs = dataclasses.replace(two_seeds, close_seed_commitment=None)  # closed before close seeds

    revealed = _revealed(inputs_to_json(inputs), inputs.revealed(SEED, None))

    assert revealed == inputs_to_json(inputs.revealed(SEED, None))
    assert '"format": "estivage-allocation-inputs/1"' in revealed
