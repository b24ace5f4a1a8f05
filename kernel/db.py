"""Database wiring: the declarative base, the engine, and what SQLite needs to behave like a server.

Nothing here is visible to the domain: the domain rules never learn which database runs.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from sqlalchemy import MetaData, event, inspect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool

# Stable constraint names, so that Alembic migrations name things identically on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def columns_of(row: Base, *, leaving_out: Collection[str] = ()) -> dict[str, Any]:
    """A loaded row's column values by attribute name (deferred columns that were not loaded left out):
    a record as it is held, for a member's own copy of their data."""
    state = inspect(row)
    unloaded = state.unloaded
    return {
        column.key: getattr(row, column.key)
        for column in state.mapper.column_attrs
        if column.key not in leaving_out and column.key not in unloaded
    }


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """Make SQLite enforce foreign keys, wait for the write lock instead of failing at once, and let
    SQLAlchemy (not the sqlite3 module) decide where transactions begin.

    The sqlite3 module opens a transaction only before a write, so a read-then-write unit of work would
    read outside the transaction; this is SQLAlchemy's documented recipe for pysqlite, applied to aiosqlite.
    A unit of work that must serialise with others starts with a write (see ``booking.locks``), which
    takes SQLite's single write lock at once: that is SQLite's side of the never-oversold guarantee.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


async def end_read_before_write(session: AsyncSession) -> None:
    """End a read transaction before its unit of work writes, on SQLite only.

    In WAL mode a transaction that read, then waited (a password hash) while another connection
    committed, cannot upgrade to the write lock: SQLite answers "database is locked" at once, whatever
    the busy timeout. A fresh transaction that writes first waits for the lock instead. Objects read
    before are expired: read them again after the write. PostgreSQL needs nothing of the kind."""
    if session.get_bind().dialect.name == "sqlite":
        await session.rollback()


def create_engine(database_url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """The engine of a process. `pool_size` connections are kept open; up to 20 more are opened when
    needed and closed on return: opening one costs far more than a request (a server process forked,
    the driver's set-up), so a server sizes the pool to the requests it admits at once."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})
        _prepare_sqlite(engine)
        return engine
    engine = create_async_engine(database_url, echo=echo, pool_size=pool_size, max_overflow=20)
    _ping_after_idle(engine)
    return engine


# A connection idle for longer than this is pinged before use. Hand-written because SQLAlchemy's
# pool_pre_ping pings at every checkout: one more round trip per request, a tenth of a hold's CPU.
# Under load connections come back to work within milliseconds; one that sat idle is the one that may
# have been cut (a database restart, a failover, a firewall's idle timeout).
IDLE_BEFORE_PING_SECONDS = 5.0


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling, only for connections that were idle: a failed ping raises
    DisconnectionError, on which the pool discards the connection and checks out a fresh one."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as lost:
            raise DisconnectionError("the connection did not answer after being idle") from lost


def without_transaction(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (and pool) for reads that need no transaction, on PostgreSQL: each statement
    runs on its own (autocommit), without the BEGIN and ROLLBACK round trips around it. The reads of
    every request (whose account is it) use it; SQLite keeps its own transactions (``_prepare_sqlite``)."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def create_disposable_engine(database_url: str) -> AsyncEngine:
    """An engine for a one-off command (migrate, seed): no pool kept behind."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    if database_url.startswith("sqlite"):
        _prepare_sqlite(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
