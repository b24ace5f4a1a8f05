"""The PostgreSQL pool: a connection cut while idle (a restart, a failover, a firewall) is replaced before
a request uses it, without pinging at every checkout."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from kernel import db
from tests.support.databases import PostgresDatabases


@pytest.fixture
async def engine(postgres_databases: PostgresDatabases) -> AsyncIterator[AsyncEngine]:
    url = await postgres_databases.fresh_async()
    engine = db.create_engine(url)
    yield engine
    await engine.dispose()
    await postgres_databases.drop(url)


async def _cut_every_connection(engine: AsyncEngine) -> None:
    """What a database restart does to the pool's connections, from the server's side."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def _one(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT 1"))).scalar_one())


async def test_a_connection_cut_while_idle_is_replaced_before_use(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await _one(engine) == 1
    await _cut_every_connection(engine)
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_SECONDS", 0.0)  # as if it had sat idle long enough

    assert await _one(engine) == 1


async def test_a_connection_back_from_work_at_once_is_not_pinged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other side of the trade: no round trip for a connection that was just in use (which is
    # why a cut one fails here, where the idle one above was replaced).
    assert await _one(engine) == 1
    await _cut_every_connection(engine)
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_SECONDS", 3600.0)

    with pytest.raises(DBAPIError):
        await _one(engine)
