"""The opening-day rush: N members, C concurrent clients, all holding at once, then paying.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        uv run python -m bench.rush [--members 500] [--concurrency 8]

A real server on loopback over a freshly seeded database (a throwaway PostgreSQL database when
DATABASE_URL names a server, SQLite otherwise). Members ask for the popular winter-holiday stays at the
three centres open then, so most requests meet sold-out types: that is the rush. Prints holds per second,
p50/p99 latency, the ratio to the bare endpoint of the same app measured in the same run, and the
oversold count read back from the database (units taken twice on a night, quotas passed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from datetime import UTC, date, datetime, timedelta
from functools import partial

import asyncpg
import httpx
from litestar.security.jwt import Token

from bench.harness import Figures, load, running_server

SECRET = "bench-secret-" + os.urandom(16).hex()
CENTRES = {
    "ifrane": ["studio", "apt2", "bungalow"],
    "sidi-bouzid": ["studio", "apt2", "villa"],
    "saidia": ["room", "apt2", "bungalow"],
}
ARRIVALS = [date(2026, 12, 19), date(2026, 12, 20), date(2026, 12, 26), date(2026, 12, 27)]


def token(user_id: int, username: str) -> dict[str, str]:
    category = "retired" if int(username[1:]) % 5 == 0 else "active"
    encoded = Token(
        sub=str(user_id),
        exp=datetime.now(UTC) + timedelta(hours=2),
        extras={"username": username, "role": "member", "category": category, "centres": []},
    ).encode(SECRET, "HS256")
    return {"Authorization": f"Bearer {encoded}"}


def stay(rng: random.Random) -> dict[str, object]:
    centre = rng.choice(list(CENTRES))
    arrival = rng.choice(ARRIVALS)
    return {
        "centre": centre,
        "unit_type": rng.choice(CENTRES[centre]),
        "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=rng.choice([3, 4, 5]))).isoformat(),
        "guests": 2,
    }


async def availability(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, object]
) -> httpx.Response:
    params = {key: str(body[key]) for key in ("centre", "arrival", "departure", "guests")}
    return await client.get("/api/availability", params=params, headers=headers)


OVERSOLD_SQL = """
SELECT
  (SELECT count(*) FROM (
     SELECT unit_id, night FROM stay_nights GROUP BY unit_id, night HAVING count(*) > 1) d),
  (SELECT count(*) FROM (
     SELECT n.unit_type_id, n.night FROM stay_nights n
     JOIN bookings b ON b.id = n.booking_id AND b.status = 'confirmed'
     GROUP BY n.unit_type_id, n.night
     HAVING count(*) > (SELECT count(*) FROM units u WHERE u.unit_type_id = n.unit_type_id)) o)
"""


async def main(members: int, concurrency: int, seed: int, workers: int, slices: int) -> None:
    os.environ["ESTIVAGE_JWT_SECRET"] = SECRET
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server: the rush is measured on PostgreSQL")
    async with running_server(workers=workers) as base:
        database = os.environ["BENCH_DATABASE_URL"]
        connection = await asyncpg.connect(database)
        users = await connection.fetch(
            "SELECT id, username FROM users WHERE role = 'member' ORDER BY id LIMIT $1", members
        )
        rng = random.Random(seed)
        requests = [(token(u["id"], u["username"]), stay(rng)) for u in users]
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            await load("warm-up", 200, concurrency, lambda _i: client.get("/ready"), base)
            # The read side of the requests to come (snapshots, promotions, prepared statements), which
            # changes nothing in the database: one-time costs stay out of the figures.
            await load("warm-up", 200, concurrency, lambda i: availability(client, *requests[i]), base)
            outcomes: list[int] = []

            async def hold_at(first: int, i: int) -> httpx.Response:
                headers, body = requests[first + i]
                response = await client.post("/api/bookings", json=body, headers=headers)
                outcomes.append(response.status_code)
                return response

            # The bare endpoint is measured in slices between slices of the rush (in order), so that
            # both see the same background load on a shared machine.
            bare_parts, hold_parts = [], []
            per_slice = -(-len(requests) // slices)
            for first in range(0, len(requests), per_slice):
                bare_parts.append(
                    await load(
                        "bare /health", 2000 // slices, concurrency, lambda _i: client.get("/health"), base
                    )
                )
                # A 409 (sold out) is a correct answer in a rush; only other failures count as errors.
                count = min(per_slice, len(requests) - first)
                hold_parts.append(
                    await load("POST /api/bookings", count, concurrency, partial(hold_at, first), base)
                )
            bare, holds = Figures.joined(bare_parts), Figures.joined(hold_parts)
        held = outcomes.count(201)
        paid = await connection.execute(
            "UPDATE bookings SET status = 'confirmed', confirmed_at = now(), hold_expires_at = NULL "
            "WHERE status = 'held'"
        )
        await connection.execute("UPDATE stay_nights SET hold_expires_at = NULL")
        twice, over_units = await connection.fetchrow(OVERSOLD_SQL)
        await connection.close()
    errors = sum(1 for s in outcomes if s not in {201, 409})
    print(
        f"rush on PostgreSQL: {len(requests)} members, concurrency {concurrency}, {workers} worker(s), "
        f"bare endpoint interleaved in {len(bare_parts)} slices"
    )
    print(bare.line())
    print(holds.line().replace(f"errors {holds.errors}", f"errors {errors}"))
    print(bare.cpu_line())
    print(holds.cpu_line())
    print(f"held {held}, sold out {outcomes.count(409)}, confirmed {paid.split()[-1]}")
    print(f"oversold: unit-nights sold twice {twice}, type-nights over their units {over_units}")
    print(
        f"ratio to the bare endpoint: rate {holds.rate / bare.rate:.2f} (target >= 0.25), "
        f"p99 {holds.percentile(99):.1f} ms (target < 250)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--slices",
        type=int,
        default=5,
        help="slices of the rush, with a slice of the bare endpoint before each",
    )
    args = parser.parse_args()
    asyncio.run(main(args.members, args.concurrency, args.seed, args.workers, max(1, args.slices)))
