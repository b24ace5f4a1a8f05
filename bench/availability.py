"""Availability search latency beside a bare endpoint of the same app, on a real server on loopback.

    uv run python bench/availability.py [--requests 2000] [--concurrency 8]

With DATABASE_URL set to a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/postgres) the
benchmark creates a throwaway database there; unset, a temporary SQLite file (the embedded default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import date, timedelta

import httpx

from bench.harness import load, running_server, summary, token

CENTRES = ["ifrane", "sidi-bouzid", "saidia"]


def stay_for(i: int) -> dict[str, str | int]:
    """Spread the searches over centres and December-February dates, stays of 2 to 6 nights."""
    arrival = date(2027, 1, 4) + timedelta(days=i % 50)
    return {
        "centre": CENTRES[i % len(CENTRES)],
        "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=2 + i % 5)).isoformat(),
        "guests": 1 + i % 4,
    }


async def main(requests: int, concurrency: int) -> None:
    async with running_server() as base:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            headers = await token(client, "M0001")
            await load(
                "warm-up",
                100,
                concurrency,
                lambda i: client.get("/api/availability", params=stay_for(i), headers=headers),
            )
            bare = await load("bare /health", requests, concurrency, lambda _i: client.get("/health"))
            search = await load(
                "GET /api/availability",
                requests,
                concurrency,
                lambda i: client.get("/api/availability", params=stay_for(i), headers=headers),
            )
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (embedded default)"
    print(f"availability benchmark on {backend}, {requests} requests, concurrency {concurrency}, 1 worker")
    print(bare.line())
    print(search.line())
    print(summary(search, bare))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
