"""Alembic environment: runs migrations on the async engine of DATABASE_URL (or the one given)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from estivage.models import Base
from kernel.db import create_disposable_engine
from kernel.settings import Settings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def _sqlite_pragma(connection: Connection, statement: str) -> list[tuple[object, ...]]:
    """A PRAGMA on the driver's connection, outside any transaction (inside one, foreign_keys is a no-op)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    if sqlite:
        # Batch mode changes a SQLite table by copying it and dropping the old one; with foreign keys
        # enforced, that drop would cascade to (or be refused by) every row referring to the table.
        # Alembic's documented remedy: enforcement off while migrating, then the references checked.
        _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
        _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migration left rows whose references are broken: {broken[:5]}")


async def _run_async() -> None:
    engine = create_disposable_engine(_database_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
