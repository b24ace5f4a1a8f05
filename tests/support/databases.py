"""Migrated, seeded databases for the tests: one template per backend, a fresh copy per test.

The template is made once per session (migrations + demo seed); each test that writes gets its own
copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so tests never see each other.
Under pytest-xdist every worker is a session of its own: its own templates, under a name of its own.

On PostgreSQL a copy costs ~0.3 s to create (CREATE DATABASE writes and syncs every block of the template)
and up to ~1.5 s to drop (DROP DATABASE waits for a checkpoint and for every backend of the server to let
go of the files). Neither is on a test's path: the next test's copy is made by a thread while this test
runs, and copies are dropped by another thread while the next tests run; the session waits for the last
of both before it drops the template. (~360 tests a run take a PostgreSQL copy: a minute of the suite.)
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import asyncpg

from estivage.migrate import upgrade
from estivage.seed import seed_demo
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import normalise_database_url

T = TypeVar("T")


def _plain(url: str) -> str:
    """asyncpg wants postgresql://, SQLAlchemy wants postgresql+asyncpg://."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


def with_database(url: str, name: str) -> str:
    base, _, _ = normalise_database_url(url).rpartition("/")
    return f"{base}/{name}"


async def seed(database_url: str, now: datetime) -> None:
    engine = create_disposable_engine(database_url)
    async with session_factory(engine)() as session:
        await seed_demo(session, now=now)
    await engine.dispose()


def in_own_thread(function: Callable[[], T]) -> T:
    """Run blocking set-up that starts its own event loop (Alembic's env.py does) from inside a
    running loop: the templates are made lazily, from async fixtures."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def migrate_and_seed(database_url: str, now: datetime) -> None:
    def work() -> None:
        upgrade(database_url)
        asyncio.run(seed(database_url, now))

    in_own_thread(work)


@dataclass
class SqliteDatabases:
    root: Path
    now: datetime
    template: Path = field(init=False)

    def __post_init__(self) -> None:
        self.template = self.root / "template.sqlite3"
        migrate_and_seed(f"sqlite+aiosqlite:///{self.template}", self.now)

    def fresh(self) -> str:
        copy = self.root / f"{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self.template, copy)
        return f"sqlite+aiosqlite:///{copy}"

    async def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


@dataclass
class PostgresDatabases:
    admin_url: str
    now: datetime
    prefix: str = field(default_factory=lambda: f"estivage_test_{uuid.uuid4().hex[:8]}")
    template: str = field(init=False)
    _dropper: ThreadPoolExecutor = field(init=False)
    _drops: list[Future[None]] = field(init=False, default_factory=list)
    _maker: ThreadPoolExecutor = field(init=False)
    _next: Future[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.template = f"{self.prefix}_template"
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-database")
        in_own_thread(lambda: asyncio.run(self._execute(f'CREATE DATABASE "{self.template}"')))
        migrate_and_seed(with_database(self.admin_url, self.template), self.now)

    async def _execute(self, sql: str) -> None:
        connection = await asyncpg.connect(_plain(normalise_database_url(self.admin_url)))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def fresh_async(self) -> str:
        """A copy of the template: the one made ahead while the last test ran, and the next one begun."""
        made = self._next if self._next is not None else self._maker.submit(self._copy)
        self._next = self._maker.submit(self._copy)
        return with_database(self.admin_url, await asyncio.wrap_future(made))

    def _copy(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        asyncio.run(self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    async def drop(self, url: str) -> None:
        """Drop a copy in the background (see the module's note); `drop_template` waits for it."""
        sql = f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'
        self._drops.append(self._dropper.submit(lambda: asyncio.run(self._execute(sql))))

    def drop_template(self) -> None:
        self._maker.shutdown(wait=True)
        if self._next is not None and self._next.exception() is None:  # made ahead for a test that never came
            sql = f'DROP DATABASE "{self._next.result()}" WITH (FORCE)'
            self._drops.append(self._dropper.submit(lambda: asyncio.run(self._execute(sql))))
        self._dropper.shutdown(wait=True)
        failed = [str(drop.exception()) for drop in self._drops if drop.exception() is not None]
        in_own_thread(
            lambda: asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        )
        assert not failed, f"test databases not dropped: {failed}"
