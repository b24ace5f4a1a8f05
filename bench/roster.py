"""The roster import (`estivage members import`) at the foundation's size: a realistic 50,000-member
HR/payroll CSV imported into a fresh migrated database, then imported again unchanged, then again with
5% of the members changed (category, family size, salary scale, e-mail). On SQLite (the embedded
default) and on PostgreSQL, each figure the wall time of the whole import (read, check every line,
compare with the members on file, write in one transaction), in process, without the progress bar.

    uv run python -m bench.roster [--rows 50000] [--only sqlite|postgres]

PostgreSQL: a throwaway database on the server of DATABASE_URL, or of the local default
postgresql://postgres@127.0.0.1:5432/postgres when it is unset.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

from accounts.domain.roster import COLUMNS, Missing
from accounts.roster import Mode, RosterOutcome
from bench.harness import throwaway_postgres
from estivage.migrate import upgrade
from estivage.roster_import import run_import
from estivage.seed import _FIRST, _LAST
from kernel.settings import normalise_database_url

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
CHANGED_SHARE = 0.05


def member(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    number = f"F{i:06d}"
    return {
        "member_number": number,
        "last_name": last[0],
        "first_name": first[0],
        "last_name_ar": last[1],
        "first_name_ar": first[1],
        "category": "retired" if rng.random() < 0.2 else "active",
        "email": f"{first[0].lower()}.{last[0].lower().replace(' ', '')}.{i}@mail.example.ma",
        "phone": f"+2126{rng.randint(10_000_000, 99_999_999)}",
        "birth_date": (date(1955, 1, 1) + timedelta(days=rng.randint(0, 16_000))).isoformat(),
        "family_size": str(rng.randint(1, 8)),
        "salary_scale": str(rng.randint(5, 12)),
    }


def changed(rng: random.Random, row: dict[str, str]) -> dict[str, str]:
    moved = dict(row)
    moved["category"] = "retired" if row["category"] == "active" else "active"
    moved["family_size"] = str(int(row["family_size"]) % 8 + 1)
    moved["salary_scale"] = str(rng.randint(1, 11))
    moved["email"] = "new." + row["email"]
    return moved


def write(path: Path, rows: list[dict[str, str]]) -> None:
    """As HR's export comes: a BOM, CRLF line ends, and a column of its own the import ignores."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.DictWriter(file, [*COLUMNS, "payroll_grade"], lineterminator="\r\n")
        out.writeheader()
        for row in rows:
            out.writerow({**row, "payroll_grade": "X"})


def roster_files(directory: Path, count: int) -> tuple[Path, Path]:
    rng = random.Random(16)
    rows = [member(rng, i) for i in range(1, count + 1)]
    first = directory / "roster.csv"
    write(first, rows)
    for i in rng.sample(range(count), int(count * CHANGED_SHARE)):
        rows[i] = changed(rng, rows[i])
    second = directory / "roster-changed.csv"
    write(second, rows)
    return first, second


@asynccontextmanager
async def database(backend: str, directory: Path) -> AsyncIterator[str]:
    if backend == "postgres":
        async with throwaway_postgres(os.environ.get("DATABASE_URL") or LOCAL_POSTGRES) as url:
            yield normalise_database_url(url)
    else:
        yield f"sqlite+aiosqlite:///{directory / f'bench-{time.monotonic_ns()}.sqlite3'}"


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


async def timed(url: str, path: Path) -> tuple[float, RosterOutcome]:
    started = time.perf_counter()
    outcome = await run_import(url, path, Missing.KEEP, Mode.APPLY, _quiet)
    return time.perf_counter() - started, outcome


async def bench(backend: str, directory: Path, files: tuple[Path, Path]) -> None:
    name = "PostgreSQL" if backend == "postgres" else "SQLite (embedded default)"
    async with database(backend, directory) as url:
        await asyncio.to_thread(upgrade, url)
        print(f"{name}:")
        for label, path in (
            ("first import", files[0]),
            ("re-import, no change", files[0]),
            ("5% changed", files[1]),
        ):
            seconds, outcome = await timed(url, path)
            said = outcome.plan.summary() if outcome.plan else f"{len(outcome.bad_lines)} bad lines"
            print(f"  {label:<22} {seconds:6.2f} s   ({said})")


async def main(count: int, only: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        started = time.perf_counter()
        files = roster_files(directory, count)
        size = files[0].stat().st_size / 1e6
        print(f"roster of {count} members, {size:.1f} MB, written in {time.perf_counter() - started:.1f} s")
        for backend in ("sqlite", "postgres"):
            if only in (None, backend):
                try:
                    await bench(backend, directory, files)
                except OSError as unreachable:
                    print(f"{backend}: skipped, the server cannot be reached ({unreachable})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.only))
