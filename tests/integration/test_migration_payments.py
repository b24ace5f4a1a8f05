"""The payments revision (free stays, cancelled intents, owed refunds, CMI orders) goes down and up again
on SQLite and PostgreSQL with data in it, and refuses to go down over what the revision before cannot
say (a free stay's receipt of 0, a refund still owed)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from estivage.migrate import alembic_config
from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import Clock, hold, login, pause_demo_promotions
from tests.integration.test_migrations import _differences
from tests.support.databases import in_own_thread

REVISION, BEFORE = "0018", "0017"  # renumbered with the file if the chain moves


def _migrate(database_url: str, direction: str, revision: str) -> None:
    step = command.downgrade if direction == "down" else command.upgrade
    in_own_thread(lambda: step(alembic_config(database_url), revision))


async def _column(database_url: str, sql: str) -> list[Any]:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        values = list((await connection.execute(text(sql))).scalars())
    await engine.dispose()
    return values


async def test_down_and_up_again_a_cancelled_intent_reads_failed_before_and_the_schema_matches(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    member = await login(client, "M0001")
    lapsed = (await hold(client, member)).json()
    await client.post(f"/api/bookings/{lapsed['id']}/checkout", json={"method": "card"}, headers=member)
    clock.advance(minutes=16)
    assert (await hold(client, member)).status_code == 201  # gives the lapsed hold's intent up
    assert await _column(settings.database_url, "SELECT status FROM payments") == ["cancelled"]

    _migrate(settings.database_url, "down", BEFORE)
    assert await _column(settings.database_url, "SELECT status FROM payments") == ["failed"]
    _migrate(settings.database_url, "up", "head")
    engine = create_disposable_engine(settings.database_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
    await engine.dispose()


async def test_it_will_not_go_down_over_a_free_stays_receipt(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await pause_demo_promotions(settings)
    staff, member = await login(client, "staff"), await login(client, "M0001")
    free = {"name": "Offert", "kind": "percentage", "percent_bp": 10_000, "code": "OFFERT"}
    assert (await client.post("/api/promotions", headers=staff, json=free)).status_code == 201
    booking = (await hold(client, member, promo_code="OFFERT")).json()
    await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "free"}, headers=member)
    head = await _column(settings.database_url, "SELECT version_num FROM alembic_version")
    with pytest.raises(RuntimeError, match="free stay receipt"):
        _migrate(settings.database_url, "down", BEFORE)
    # PostgreSQL undoes the whole downgrade; SQLite keeps the steps done before the refusal.
    left = await _column(settings.database_url, "SELECT version_num FROM alembic_version")
    assert left in ([REVISION], head)
