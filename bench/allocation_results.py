"""The public ``results.json`` of a full-size draw: what one anonymous request costs.

    uv run python -m bench.allocation_results [--applications 20000] [--requests 5]

Before migration 0013 every request rebuilt the JSON from the stored CSV (parse, then dump with
indentation) on the event loop; since, the draw stores it once, compact, and a request reads the
column. This times both ways on the same 20,000-application draw (``bench/allocation.py``'s demand)
and prints their sizes. The database read of the stored text is not counted in either.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import asdict

from bench.allocation import applications, campaign
from booking.domain.allocation.publication import (
    RESULTS_FORMAT,
    prepare_draw,
    published_rows,
    rows_from_csv,
    rows_to_csv,
    rows_to_json,
    run_draw,
)


def rebuilt_per_request(csv_text: str) -> str:
    """What the endpoint did for every request before the JSON was stored (indented, from the CSV)."""
    document = {"format": RESULTS_FORMAT, "rows": [asdict(row) for row in rows_from_csv(csv_text)]}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def best_of(requests: int, step: object) -> float:
    assert callable(step)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times)


def main(count: int, requests: int) -> None:
    seed, close_seed = hashlib.sha256(b"bench").digest(), hashlib.sha256(b"bench close").digest()
    apps = applications(count, random.Random("bench"))
    inputs = prepare_draw("summer-2025", campaign(), apps, seed, close_seed).revealed(seed, close_seed)
    rows = published_rows(inputs, run_draw(inputs))
    csv_text = rows_to_csv(rows)
    before = rebuilt_per_request(csv_text)
    started = time.perf_counter()
    stored = rows_to_json(rows)
    at_draw = time.perf_counter() - started
    assert json.loads(before) == json.loads(stored), "the stored JSON must hold the same rows"
    print(f"{count} applications, {len(rows)} result rows")
    print(
        f"before: rebuilt on each request   {best_of(requests, lambda: rebuilt_per_request(csv_text)):7.3f} s"
        f"  {len(before.encode()) / 1e6:5.1f} MB"
    )
    print(
        f"after:  stored once by the draw   {at_draw:7.3f} s at the draw, 0 per request"
        f"  {len(stored.encode()) / 1e6:5.1f} MB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.applications, arguments.requests)
