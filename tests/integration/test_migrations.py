"""The Alembic migrations apply on SQLite and PostgreSQL, and describe exactly the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from estivage.db import create_disposable_engine
from estivage.migrate import alembic_config
from estivage.models import Base
from estivage.settings import Settings
from tests.conftest import Clock
from tests.e2e.test_campaigns import CODE
from tests.e2e.test_campaigns_offers import _drawn as drawn
from tests.e2e.test_campaigns_offers import _pay as pay
from tests.support.databases import in_own_thread


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
        tables = await connection.run_sync(_tables)
    await engine.dispose()
    assert differences == []
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


async def _scalar(database_url: str, sql: str) -> Any:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        value = (await connection.execute(text(sql))).scalar_one()
    await engine.dispose()
    return value


def _migrate(database_url: str, direction: str, revision: str) -> None:
    step = command.downgrade if direction == "down" else command.upgrade
    in_own_thread(lambda: step(alembic_config(database_url), revision))


async def test_down_past_0013_a_cancelled_offer_is_declined(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    who = await drawn(client, clock, ["M0001"])
    booking_id = await pay(client, who["M0001"])
    assert (await client.post(f"/api/bookings/{booking_id}/cancel", headers=who["M0001"])).status_code == 200
    assert (await client.post(f"/api/campaigns/{CODE}/settle", headers=who["staff"])).json()["cancelled"] == 1

    _migrate(settings.database_url, "down", "0012")
    # Before 0013 there was no 'cancelled': the stay is gone and its unit freed, as for a declined offer.
    assert await _scalar(settings.database_url, "SELECT status FROM campaign_offers") == "declined"
    _migrate(settings.database_url, "up", "head")
