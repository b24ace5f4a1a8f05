"""What a member's hold pays for giving up their own lapsed holds' card payments (issue 15, item 1).

    uv run python -m bench.lapse_sweep [--holds 300]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python -m bench.lapse_sweep

In-process, on a fresh migrated and seeded database (a throwaway one on the PostgreSQL server of
DATABASE_URL, a temporary SQLite file otherwise): the hold use case, then its cancellation, for members
taken in turn, timed with ``booking.sweeper.lapse_holds_of`` as it is and replaced by a no-op, in
alternating rounds so that the machine's load falls on both alike. Prints milliseconds per hold (p50,
p99) both ways and the difference; the sweep is one indexed UPDATE … RETURNING per hold.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from accounts.domain.identity import MEMBER, Identity
from accounts.models import Member
from bench.harness import ROOT, throwaway_postgres
from booking import services, sweeper
from kernel.db import create_engine, session_factory
from kernel.settings import normalise_database_url
from kernel.uow import UnitOfWork

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@contextlib.asynccontextmanager
async def seeded_database() -> AsyncIterator[str]:
    server_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="estivage-bench-") as data_dir:
        async with contextlib.AsyncExitStack() as stack:
            if server_url.startswith("postgres"):
                url = await stack.enter_async_context(throwaway_postgres(server_url))
            else:
                url = f"sqlite:///{Path(data_dir) / 'bench.sqlite3'}"
            env = {**os.environ, "ESTIVAGE_DATA_DIR": data_dir, "DATABASE_URL": url}
            for command in ("migrate", "seed-demo"):
                subprocess.run(
                    [sys.executable, "-m", "estivage.cli", command],
                    env=env,
                    check=True,
                    capture_output=True,
                    cwd=ROOT,
                )
            yield normalise_database_url(url)


async def timed_holds(url: str, members: list[tuple[int, str]], count: int, offset: int) -> list[float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    took = []
    for i in range(count):
        user_id, category = members[(offset + i) % len(members)]
        member = Identity(user_id, f"M{user_id}", MEMBER, category)
        arrival = date(2027, 1, 4) + timedelta(days=i % 40)
        request = services.HoldRequest("ifrane", "apt2", arrival, arrival + timedelta(days=3), 2)
        async with sessions() as session:
            start = time.perf_counter()
            view = await services.hold(UnitOfWork(session), member, request, NOW)
            took.append((time.perf_counter() - start) * 1000)
        async with sessions() as session:
            await services.cancel(UnitOfWork(session), member, view.booking.id, NOW)
    await engine.dispose()
    return took


async def main(holds: int) -> None:
    async with seeded_database() as url:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            from sqlalchemy import select  # noqa: PLC0415 - the benchmark's one query

            rows = await session.execute(select(Member.user_id, Member.category).limit(200))
            members = [(int(user_id), str(category)) for user_id, category in rows.tuples()]
        await engine.dispose()
        real = sweeper.lapse_holds_of

        async def skipped(uow: UnitOfWork, member_id: int, now: datetime) -> tuple[()]:
            del uow, member_id, now
            return ()

        figures: dict[str, list[float]] = {"with the sweep": [], "without": []}
        await timed_holds(url, members, 30, 0)  # warm-up: caches, connections, statements
        rounds = 6
        for round_ in range(rounds):
            for name, step in (("with the sweep", real), ("without", skipped)):
                sweeper.lapse_holds_of = step
                figures[name] += await timed_holds(url, members, holds // rounds, round_ * holds)
        sweeper.lapse_holds_of = real
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite (embedded default)"
    print(f"hold use case, in-process, {backend}, {holds} holds each way (then cancelled), one at a time")
    medians = {}
    for name, took in figures.items():
        took.sort()
        medians[name] = statistics.median(took)
        p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
        print(f"  {name:<16} p50 {medians[name]:6.2f} ms   p99 {p99:6.2f} ms")
    extra = medians["with the sweep"] - medians["without"]
    print(f"  the sweep adds {extra:+.2f} ms at the median ({extra / medians['without']:+.1%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holds", type=int, default=300)
    asyncio.run(main(parser.parse_args().holds))
