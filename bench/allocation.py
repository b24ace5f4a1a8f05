"""Summer allocation at full size: 20,000 applications over 4 centres, 6 rotations, 3 unit types.

    uv run python bench/allocation.py [--applications 20000] [--seed-text bench]

Times each step of a draw as the staff run it (applications digest, lottery, allocation, published
rows) and prints the counts. Target: under 10 s on the project's machine; the whole draw, not only the
allocation. The demand is skewed like a real summer: the sea in late July and August, large families
on bungalows, a quarter of the applicants retired with 30 % of each centre reserved for them.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Callable
from typing import TypeVar

from booking.domain.allocation.allocate import Application, Campaign, Slot, allocate, reserve_by_share
from booking.domain.allocation.lottery import applications_digest, lottery_key, lottery_order
from booking.domain.allocation.publication import prepare_draw, published_rows, run_draw, verify

CENTRES = {"ifrane": 1, "sidi-bouzid": 3, "saidia": 4, "mdiq": 3}  # popularity weight
ROTATIONS = {"R1-jul01": 1, "R2-jul11": 2, "R3-jul21": 3, "R4-aug01": 4, "R5-aug11": 4, "R6-aug21": 2}
UNIT_TYPES = {"studio": 40, "apartment": 30, "bungalow": 12}  # units per centre and rotation
RESERVED_PERCENT = {centre: {"retired": 30} for centre in CENTRES}

T = TypeVar("T")


def campaign() -> Campaign:
    units = {Slot(c, r, t): n for c in CENTRES for r in ROTATIONS for t, n in UNIT_TYPES.items()}
    return Campaign(units, reserve_by_share(units, RESERVED_PERCENT))


def applications(count: int, rng: random.Random) -> list[Application]:
    slots = [Slot(c, r, t) for c in CENTRES for r in ROTATIONS for t in UNIT_TYPES]
    weights = [CENTRES[s.centre] * ROTATIONS[s.rotation] * (1 + (s.unit_type == "bungalow")) for s in slots]
    made = []
    for number in range(count):
        wanted = rng.randint(1, 3)
        choices: list[Slot] = []
        while len(choices) < wanted:
            slot = rng.choices(slots, weights)[0]
            if slot not in choices:
                choices.append(slot)
        category = "retired" if rng.random() < 0.25 else "active"
        made.append(Application(f"S25-{number:06d}", category, rng.randint(0, 103), tuple(choices)))
    return made


def timed(label: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    value = step()
    print(f"{label:<40}{time.perf_counter() - started:8.3f} s")
    return value


def main(count: int, seed_text: str) -> None:
    rng = random.Random(seed_text)
    seed = hashlib.sha256(seed_text.encode()).digest()
    close_seed = hashlib.sha256(f"{seed_text} close".encode()).digest()
    supply = campaign()
    apps = applications(count, rng)
    print(f"{count} applications, {len(supply.units)} slots, {sum(supply.units.values())} units")
    started = time.perf_counter()
    digest = timed("applications digest", lambda: applications_digest(apps))
    key = lottery_key(seed, close_seed)
    order = timed("lottery", lambda: lottery_order(key, digest, [a.application_id for a in apps]))
    result = timed("allocation", lambda: allocate(supply, apps, order))
    draw_time = time.perf_counter() - started
    inputs = prepare_draw("summer-2025", supply, apps, seed, close_seed).revealed(seed, close_seed)
    rows = timed("published rows (re-runs the draw)", lambda: published_rows(inputs, run_draw(inputs)))
    difference = timed("verify (re-run and compare)", lambda: verify(inputs, rows))
    waiting = count - len(result.offers)
    print(
        f"offers {len(result.offers)}, waiting {waiting}, published rows {len(rows)}, difference {difference}"
    )
    print(f"draw {draw_time:.3f} s, everything {time.perf_counter() - started:.3f} s (target < 10 s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--seed-text", default="bench")
    arguments = parser.parse_args()
    main(arguments.applications, arguments.seed_text)
