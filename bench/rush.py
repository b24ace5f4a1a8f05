"""The opening-day rush, measured with wrk: logged-in members holding popular stays all at once.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        uv run python -m bench.rush [--connections 64,512] [--workers 2] [--seconds 10] [--pin]

A real server (`estivage serve`, uvicorn, one worker unless told) on loopback over a throwaway PostgreSQL
database migrated and seeded with the demo, with Redis as the shared store when REDIS_URL says one. 300
members are logged in (``--members``: a session each, as a login opens it); wrk (Debian's package) then
POSTs holds of random popular stays: the three centres open in winter × their unit types × four arrival
days (two weekends from ten days ahead, computed from today) × 3 or 4 nights, each request with a random
member's token. Most requests meet a type already sold out: that is the rush. A 409 (sold out) or a 422
(the member's one open hold is taken) is a correct answer; a 5xx, a broken connection or no answer
within wrk's timeout (10 s) is a failure.

For each number of connections: the app's `/health` with wrk just before and just after the holds, at the
same connections (the ratio is to their mean), then the database is read back: no unit sold twice on a
night, no type sold past its units on a night, every held booking with all its nights. The run's holds are
then expired so that the next run meets the same inventory. Then the read paths at 16 connections: the
availability search beside `/health`, and a year of one centre's occupancy read alone (one connection).

On a 2-core machine wrk takes a good part of a core itself (its share is printed beside the server's);
``--pin`` puts the server on CPU 0 and wrk on CPU 1, PostgreSQL and Redis floating.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from litestar.security.jwt import Token
from sqlalchemy import select

import estivage.models  # noqa: F401 - every table mapped, as in the app (a user's relations)
from accounts.models import User
from accounts.sessions import open_session_of
from bench import wrk
from bench.harness import cpu_seconds, running_server, server_pid
from kernel.db import create_disposable_engine, session_factory

# Kept for bench/load.py, which mints its phones' tokens with the server's secret.
SECRET = "bench-secret-" + os.urandom(16).hex()
RUSH_CENTRES = ("ifrane", "sidi-bouzid", "saidia")  # open in winter (M'diq is closed November to February)
HOLD_PATH = "/api/bookings"


def token(user_id: int, username: str) -> dict[str, str]:
    """A member's token signed with the bench's secret (bench/load.py); the rush logs in instead."""
    category = "retired" if int(username[1:]) % 5 == 0 else "active"
    encoded = Token(
        sub=str(user_id),
        exp=datetime.now(UTC) + timedelta(hours=2),
        extras={"username": username, "role": "member", "category": category, "centres": []},
    ).encode(SECRET, "HS256")
    return {"Authorization": f"Bearer {encoded}"}


def popular_arrivals(today: date) -> list[date]:
    """Two weekends (Saturday, Sunday) from ten days ahead; never in July or August (summer is only
    allocated, never sold directly): then the first weekends of September."""
    first = today + timedelta(days=10)
    if first.month in (7, 8) or (first + timedelta(days=14)).month in (7, 8):
        first = date(first.year, 9, 1)
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    return [saturday + timedelta(days=d) for d in (0, 1, 7, 8)]


def hold_bodies(unit_types: dict[str, list[str]], arrivals: list[date]) -> list[str]:
    """Every popular stay as a hold's JSON body: centre × type × arrival × 3 or 4 nights, 2 guests."""
    return [
        f'{{"centre":"{centre}","unit_type":"{code}","arrival":"{arrival}",'
        f'"departure":"{arrival + timedelta(days=nights)}","guests":2}}'
        for centre, codes in unit_types.items()
        for code in codes
        for arrival in arrivals
        for nights in (3, 4)
    ]


def search_paths(arrivals: list[date], rng: random.Random, count: int = 400) -> list[str]:
    """Availability searches around the popular dates: any centre open, 2 to 6 nights, 1 to 4 guests."""
    paths: list[str] = []
    while len(paths) < count:
        arrival = arrivals[0] + timedelta(days=rng.randrange(-5, 45))
        departure = arrival + timedelta(days=rng.randrange(2, 7))
        if {arrival.month, departure.month} & {7, 8}:
            continue
        centre = rng.choice(RUSH_CENTRES)
        paths.append(
            f"/api/availability?centre={centre}&arrival={arrival}&departure={departure}"
            f"&guests={rng.randrange(1, 5)}"
        )
    return paths


def hold_script(tokens: list[str], bodies: list[str], seed: int) -> str:
    return wrk.script(
        f"PATH = {wrk.lua_string(HOLD_PATH)}\n"
        f"tokens = {wrk.lua_list(tokens)}\n"
        f"bodies = {wrk.lua_list(bodies)}\n"
        "function request()\n"
        "  local headers = {['Authorization'] = 'Bearer ' .. tokens[math.random(#tokens)],\n"
        "                   ['Content-Type'] = 'application/json'}\n"
        "  return wrk.format('POST', PATH, headers, bodies[math.random(#bodies)])\n"
        "end",
        seed,
    )


def get_script(tokens: list[str], paths: list[str], seed: int) -> str:
    return wrk.script(
        f"tokens = {wrk.lua_list(tokens)}\n"
        f"paths = {wrk.lua_list(paths)}\n"
        "function request()\n"
        "  local headers = {['Authorization'] = 'Bearer ' .. tokens[math.random(#tokens)]}\n"
        "  return wrk.format('GET', paths[math.random(#paths)], headers)\n"
        "end",
        seed,
    )


HEALTH_SCRIPT = wrk.script("PATH = '/health'\n" + wrk.GET_PLAIN, 0)

# Read back after every run, on live nights (confirmed, or a hold not yet expired).
CHECK_SQL = """
SELECT
  (SELECT count(*) FROM (
     SELECT unit_id, night FROM stay_nights GROUP BY unit_id, night HAVING count(*) > 1) d) AS twice,
  (SELECT count(*) FROM (
     SELECT n.unit_type_id, n.night FROM stay_nights n
     WHERE n.hold_expires_at IS NULL OR n.hold_expires_at > now()
     GROUP BY n.unit_type_id, n.night
     HAVING count(*) > (SELECT count(*) FROM units u WHERE u.unit_type_id = n.unit_type_id)) o) AS over,
  (SELECT count(*) FROM bookings b WHERE b.status = 'held'
     AND (SELECT count(*) FROM stay_nights n WHERE n.booking_id = b.id) <> b.departure - b.arrival)
     AS partial,
  (SELECT count(*) FROM bookings WHERE status = 'held') AS held
"""
# The run's holds given up, so that the next run meets the same inventory and the same members' limits.
RESET_SQL = [
    "UPDATE bookings SET status = 'expired', hold_expires_at = NULL WHERE status = 'held'",
    "DELETE FROM stay_nights WHERE hold_expires_at IS NOT NULL",
]


@dataclass(frozen=True)
class RushRow:
    health_before: wrk.Run
    holds: wrk.Run
    health_after: wrk.Run
    held_in_db: int
    twice: int
    over: int
    partial: int

    @property
    def health_rate(self) -> float:
        return (self.health_before.rate + self.health_after.rate) / 2

    @property
    def ratio(self) -> float:
        return self.holds.rate / self.health_rate if self.health_rate else 0.0

    @property
    def oversold(self) -> int:
        return self.twice + self.over + self.partial


@dataclass(frozen=True)
class Bench:
    base: str
    database: str
    seconds: float
    threads: int
    wrk_cpu: list[int] | None
    server_cpu: Callable[[], float]

    def wrk(self, name: str, path: str, lua: str, connections: int, seconds: float | None = None) -> wrk.Run:
        return wrk.run(
            name,
            self.base + path,
            lua,
            connections=connections,
            seconds=seconds or self.seconds,
            threads=min(self.threads, connections),
            cpu=self.wrk_cpu,
            server_cpu_seconds=self.server_cpu,
        )

    async def rush(self, connections: int, lua: str) -> RushRow:
        before = self.wrk("GET /health", "/health", HEALTH_SCRIPT, connections)
        holds = self.wrk("POST /api/bookings", HOLD_PATH, lua, connections)
        after = self.wrk("GET /health", "/health", HEALTH_SCRIPT, connections)
        connection = await asyncpg.connect(self.database)
        try:
            twice, over, partial, held = await connection.fetchrow(CHECK_SQL)
            for statement in RESET_SQL:
                await connection.execute(statement)
        finally:
            await connection.close()
        return RushRow(before, holds, after, held, twice, over, partial)


async def log_in(database: str, usernames: list[str], hours: int = 4) -> list[str]:
    """Access tokens of these accounts, each on a session of its own opened as a login opens it
    (``accounts.sessions``) and signed with the server's secret: what a login through the API gives,
    without its password hash (about a second each on a busy 2-core machine, minutes for 300)."""
    engine = create_disposable_engine(database.replace("postgresql://", "postgresql+asyncpg://", 1))
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session:
            ids = dict((await session.execute(select(User.username, User.id))).tuples().all())
            issued = [await open_session_of(session, ids[u], now, days=1) for u in usernames]
            await session.commit()
    finally:
        await engine.dispose()
    return [
        Token(sub=str(i.identity.user_id), exp=now + timedelta(hours=hours), extras=i.token_extras()).encode(
            SECRET, "HS256"
        )
        for i in issued
    ]


async def rush_unit_types(client: httpx.AsyncClient) -> dict[str, list[str]]:
    centres = (await client.get("/api/centres")).json()
    return {c["code"]: [t["code"] for t in c["unit_types"]] for c in centres if c["code"] in RUSH_CENTRES}


async def check_offered(client: httpx.AsyncClient, token_: str, arrivals: list[date]) -> None:
    """Every popular stay is offered today (else the bench would measure refusals)."""
    headers = {"Authorization": f"Bearer {token_}"}
    for centre in RUSH_CENTRES:
        for arrival in arrivals:
            stay = {
                "centre": centre,
                "arrival": arrival,
                "departure": arrival + timedelta(days=3),
                "guests": 2,
            }
            found = await client.get("/api/availability", params=stay, headers=headers)
            if found.status_code != 200 or not found.json():
                raise SystemExit(f"{centre} from {arrival} is not offered: {found.status_code} {found.text}")


def pin_server(base: str, cpus: set[int]) -> None:
    pending = [server_pid(base)]
    while pending:
        pid = pending.pop()
        os.sched_setaffinity(pid, cpus)
        for task in Path(f"/proc/{pid}/task").iterdir():
            pending.extend(int(c) for c in (task / "children").read_text().split())


def table(rows: list[tuple[str, RushRow]]) -> str:
    lines = [
        "| connections | holds/s | /health req/s (before / after) | ratio | p50 | p99 | max "
        "| 201 / 409 / 422 | other 4xx | failures (5xx, socket, timeout) | oversold |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, r in rows:
        h = r.holds
        other_4xx = sum(n for s, n in h.statuses.items() if 400 <= s < 500 and s not in (409, 422))
        lines.append(
            f"| {label} | {h.rate:,.0f} | {r.health_before.rate:,.0f} / {r.health_after.rate:,.0f} "
            f"| {r.ratio:.2f} | {h.p50_ms:,.0f} ms | {h.p99_ms:,.0f} ms | {h.max_ms:,.0f} ms "
            f"| {h.count(201)} / {h.count(409)} / {h.count(422)} | {other_4xx} "
            f"| {h.failures} ({h.server_errors}, {h.socket_errors}, {h.timeouts}) | {r.oversold} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server: the rush is measured on PostgreSQL")
    wrk.available()
    # The bench signs its members' tokens (``log_in``) with the server's secret.
    os.environ["ESTIVAGE_JWT_SECRET"] = SECRET
    store = os.environ.get("REDIS_URL") or "Litestar's in-memory store (set REDIS_URL for Redis)"
    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    async with running_server(workers=args.workers) as base:
        cpus = sorted(os.sched_getaffinity(0))
        if args.pin and len(cpus) >= 2:
            pin_server(base, {cpus[0]})
        bench = Bench(
            base,
            os.environ["BENCH_DATABASE_URL"],
            args.seconds,
            args.threads,
            [cpus[1]] if args.pin and len(cpus) >= 2 else None,
            lambda: cpu_seconds(base)[0],
        )
        members = await log_in(bench.database, [f"M{i:04d}" for i in range(1, args.members + 1)])
        (manager,) = await log_in(bench.database, ["manager-ifrane"])
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            unit_types = await rush_unit_types(client)
            arrivals = popular_arrivals(today)
            await check_offered(client, members[0], arrivals)
        bodies = hold_bodies(unit_types, arrivals)
        hold_lua = hold_script(members, bodies, args.seed)
        searches = get_script(members, search_paths(arrivals, rng), args.seed)
        print(
            f"rush on PostgreSQL, shared store: {store}; {args.workers} worker(s); {len(members)} members; "
            f"{len(bodies)} popular stays ({', '.join(f'{c} {len(t)} types' for c, t in unit_types.items())};"
            f" arrivals {', '.join(a.isoformat() for a in arrivals)}; 3-4 nights); wrk {args.seconds:g} s "
            f"per phase, {args.threads} thread(s){', pinned: server CPU 0, wrk CPU 1' if args.pin else ''}",
            flush=True,
        )
        # Warm-up: the read side of a hold (snapshots, promotions, prepared statements) and the pool.
        bench.wrk("warm-up", "/api/availability", searches, 16, seconds=2)
        rows = []
        for connections in args.connections:
            row = await bench.rush(connections, hold_lua)
            for run in (row.health_before, row.holds, row.health_after):
                print(run.line(), flush=True)
            print(
                f"  database: held {row.held_in_db} (wrk saw {row.holds.count(201)} 201s); unit-nights sold "
                f"twice {row.twice}, type-nights over their units {row.over}, holds missing nights "
                f"{row.partial}",
                flush=True,
            )
            rows.append((f"{connections}" + (f", {args.workers} workers" if args.workers > 1 else ""), row))
        health16 = bench.wrk("GET /health", "/health", HEALTH_SCRIPT, 16)
        search = bench.wrk("GET /api/availability", "/api/availability", searches, 16)
        year = (
            f"PATH = '/api/centres/ifrane/occupancy?from={today}&to={today + timedelta(days=365)}'\n"
            f"TOKEN = {wrk.lua_string(manager)}\n"
            "function request() return wrk.format('GET', PATH, {['Authorization'] = 'Bearer ' .. TOKEN}) end"
        )
        occupancy = bench.wrk("year of occupancy, alone", "/api/centres", wrk.script(year, 0), 1)
    print()
    print(table(rows))
    print()
    for run in (health16, search, occupancy):
        print(run.line())
    print()
    print(goals(rows, health16, search, occupancy))


def goals(rows: list[tuple[str, RushRow]], health: wrk.Run, search: wrk.Run, year: wrk.Run) -> str:
    def mark(ok: bool) -> str:
        return "ok " if ok else "NOT"

    lines = []
    for label, r in rows:
        h = r.holds
        if h.connections <= 64:
            lines.append(
                f"{mark(h.p99_ms < 250 and r.ratio >= 0.25)} {label}: p99 {h.p99_ms:.0f} ms (< 250), "
                f"ratio {r.ratio:.2f} (>= 0.25)"
            )
        else:  # every request of the phase, the /health around the holds too (connections opened anew)
            runs = (r.health_before, h, r.health_after)
            longest = max(run.max_ms for run in runs)
            failures = sum(run.failures for run in runs)
            lines.append(
                f"{mark(longest <= 2000 and failures == 0)} {label}: longest wait {longest:.0f} ms "
                f"(<= 2000; holds {h.max_ms:.0f}, /health {r.health_before.max_ms:.0f} before and "
                f"{r.health_after.max_ms:.0f} after), failures {failures} (0)"
            )
        lines.append(f"{mark(r.oversold == 0)} {label}: oversold {r.oversold} (0)")
    ratio = search.rate / health.rate if health.rate else 0.0
    lines.append(
        f"{mark(ratio >= 0.25 and search.p99_ms < 100)} availability at 16: ratio {ratio:.2f} (>= 0.25), "
        f"p99 {search.p99_ms:.0f} ms (< 100)"
    )
    lines.append(f"{mark(year.p50_ms < 100)} a year of occupancy alone: p50 {year.p50_ms:.0f} ms (< 100)")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument(
        "--connections",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[64, 512],
        help="comma-separated: one rush per number of connections (default 64,512)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk phase")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on CPU 1")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
