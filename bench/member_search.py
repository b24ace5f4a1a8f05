"""Staff's member search (number or name, Latin or Arabic, letter variants folded) over a roster the
size of the foundation's: the time of one search, in process, on a fresh migrated database.

    uv run python -m bench.member_search [--members 50000] [--rounds 30]

With DATABASE_URL set to a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/postgres) the
benchmark creates a throwaway database there; unset, a temporary SQLite file (the embedded default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from accounts import member_search
from accounts.models import Member, User
from bench.harness import throwaway_postgres
from estivage.migrate import upgrade
from estivage.seed import _FIRST, _LAST
from kernel.db import create_engine, session_factory
from kernel.settings import normalise_database_url

QUERIES = {
    "member number (whole)": "M04217",
    "member number (start)": "M0421",
    "Latin last name": "benali",
    "Arabic last name, alef without hamza": "الادريسي",
    "first and last name": "amina alaoui",
}


@asynccontextmanager
async def database() -> AsyncIterator[str]:
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgres"):
        async with throwaway_postgres(server) as url:
            yield normalise_database_url(url)
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"


async def roster(url: str, count: int) -> None:
    rng = random.Random(16)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    engine = create_engine(url)
    async with engine.begin() as connection:
        for start in range(0, count, 5000):
            numbers = range(start + 1, min(start + 5000, count) + 1)
            users = [
                {"username": f"M{i:05d}", "password_hash": "-", "role": "member", "created_at": now}
                for i in numbers
            ]
            ids = (await connection.execute(insert(User).returning(User.id), users)).scalars().all()
            members = []
            for user_id, i in zip(ids, numbers, strict=True):
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                members.append(
                    {
                        "user_id": user_id, "member_number": f"M{i:05d}", "first_name": first[0],
                        "last_name": last[0], "first_name_ar": first[1], "last_name_ar": last[1],
                        "category": "active", "salary_scale": 7, "family_size": 3,
                    }
                )  # fmt: skip
            await connection.execute(insert(Member), members)
    await engine.dispose()


async def main(count: int, rounds: int) -> None:
    async with database() as url:
        await asyncio.to_thread(upgrade, url)
        await roster(url, count)
        engine = create_engine(url)
        sessions = session_factory(engine)
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite (embedded default)"
        print(f"member search on {backend}, {count} members, {rounds} rounds per query")
        for label, text in QUERIES.items():
            times, found = [], 0
            for _ in range(rounds):
                async with sessions() as session:
                    started = time.perf_counter()
                    found = len(await member_search.search(session, text))
                    times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"  {label:<40} median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  ({found} shown)"
            )
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.members, arguments.rounds))
