"""The opening of bookings under load: `estivage serve` on a fresh PostgreSQL database, locust headless
for a bounded time on loopback, then throughput, p50/p95/p99 and errors per step.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.load [--seconds 60] [--users 50] [--workers 2]

The server runs as in production (uvicorn, `--workers`), over a throwaway database migrated and seeded
with the demo (bench/harness.py). Each simulated phone carries a member's token minted with the
server's secret, as bench/rush.py does: logging in is a separate, rate-limited question. The scenario
is bench/locustfile.py. Results and the command are recorded in docs/load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg

from bench.harness import ROOT, running_server
from bench.rush import SECRET, token

STEPS = [
    "search availability",
    "hold",
    "checkout (card, test mode)",
    "pay (test-mode page)",
    "pass",
    "summer: apply",
    "summer: own application",
]
# Which phones: the opening of direct bookings, of summer applications, or both at once.
SCENARIOS = {"booking": ["Member"], "summer": ["SummerApplicant"], "both": ["Member", "SummerApplicant"]}


async def write_tokens(path: Path) -> int:
    connection = await asyncpg.connect(os.environ["BENCH_DATABASE_URL"])
    try:
        users = await connection.fetch("SELECT id, username FROM users WHERE role = 'member' ORDER BY id")
    finally:
        await connection.close()
    tokens = [{"authorization": token(u["id"], u["username"])["Authorization"]} for u in users]
    await asyncio.to_thread(path.write_text, json.dumps(tokens))
    return len(tokens)


async def count_bookings() -> dict[str, int]:
    connection = await asyncpg.connect(os.environ["BENCH_DATABASE_URL"])
    try:
        rows = await connection.fetch("SELECT status, count(*) AS n FROM bookings GROUP BY status")
    finally:
        await connection.close()
    return {row["status"]: row["n"] for row in rows}


def run_locust(base: str, tokens: Path, seconds: int, users: int, output: Path, scenario: str) -> str:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--host",
        base,
        "--csv",
        str(output),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *SCENARIOS[scenario],
    ]
    env = {**os.environ, "ESTIVAGE_BENCH_TOKENS": str(tokens)}
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def report(stats_csv: Path, seconds: int, refusals: str, bookings: dict[str, int]) -> str:
    with stats_csv.open(encoding="utf-8") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    lines = [
        f"{'step':<28} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}",
    ]
    for name in [*STEPS, "Aggregated"]:
        row = rows.get(name)
        if row is None:
            continue
        lines.append(
            f"{name:<28} {int(row['Request Count']):>8} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {int(row['Failure Count']):>6}"
        )
    passes = int(rows["pass"]["Request Count"]) if "pass" in rows else 0
    lines.append(f"completed paths (pass fetched): {passes} in {seconds} s = {passes / seconds:.1f}/s")
    lines.append(refusals or "HOLDS REFUSED: not reported")
    lines.append(f"bookings in the database afterwards: {bookings}")
    return "\n".join(lines)


async def count_applications() -> int:
    connection = await asyncpg.connect(os.environ["BENCH_DATABASE_URL"])
    try:
        return int(await connection.fetchval("SELECT count(*) FROM campaign_applications"))
    finally:
        await connection.close()


async def main(seconds: int, users: int, workers: int, scenario: str) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server: the load is measured on PostgreSQL")
    os.environ["ESTIVAGE_JWT_SECRET"] = SECRET
    work = Path(tempfile.mkdtemp(prefix="estivage-load-"))
    async with running_server(workers=workers) as base:
        members = await write_tokens(work / "tokens.json")
        store = "Redis" if os.environ.get("REDIS_URL") else "the in-memory store"
        print(
            f"server {base} ({workers} workers, {store}), {members} members, {users} users "
            f"({scenario}) for {seconds} s"
        )
        output = await asyncio.to_thread(
            run_locust, base, work / "tokens.json", seconds, users, work / "load", scenario
        )
        refusals = next((line for line in output.splitlines() if line.startswith("HOLDS REFUSED")), "")
        bookings = await count_bookings()
        applications = await count_applications()
    stats = work / "load_stats.csv"
    if not stats.exists():
        raise SystemExit(f"locust wrote no statistics:\n{output}")
    print(report(stats, seconds, refusals, bookings))
    print(f"summer applications in the database afterwards: {applications}")
    failures = [line for line in output.splitlines() if re.match(r"^\s*\d+\s+\w+\s+", line)]
    if failures:
        print("\n".join(["failures:", *failures[:20]]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="both")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.users, arguments.workers, arguments.scenario))
