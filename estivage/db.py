"""Database wiring: the declarative base, the engine, and what SQLite needs to behave like a server.

Nothing here is visible to the domain: the domain rules never learn which database runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, event
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


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """Make SQLite enforce foreign keys, wait for the write lock instead of failing at once, and let
    SQLAlchemy (not the sqlite3 module) decide where transactions begin.

    The sqlite3 module opens a transaction only before a write, so a read-then-write unit of work would
    read outside the transaction; this is SQLAlchemy's documented recipe for pysqlite, applied to aiosqlite.
    A unit of work that must serialise with others starts with a write (see ``inventory.locks``), which
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


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})
        _prepare_sqlite(engine)
        return engine
    return create_async_engine(
        database_url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
    )


def create_disposable_engine(database_url: str) -> AsyncEngine:
    """An engine for a one-off command (migrate, seed): no pool kept behind."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    if database_url.startswith("sqlite"):
        _prepare_sqlite(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
