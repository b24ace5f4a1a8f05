"""Migrations on a database that holds data: down to an earlier revision and up again keeps every row,
on SQLite (where a column change copies the table) as on PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic import command
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from estivage.migrate import alembic_config
from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import Clock, hold, login
from tests.e2e.test_campaigns import BUNGALOW, CODE, apply, open_campaign
from tests.support.databases import in_own_thread

# The revision before the last changes of bookings and campaigns (0013: offers, 0014: notices).
BEFORE = "0012"


def _counts(connection: Connection) -> dict[str, int]:
    return {
        table: int(connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
        for table in sorted(inspect(connection).get_table_names())
        if table != "alembic_version"
    }


async def _row_counts(database_url: str) -> dict[str, int]:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        counts = await connection.run_sync(_counts)
    await engine.dispose()
    return counts


async def _a_paid_stay_with_its_pass_and_a_drawn_campaign(client: AsyncTestClient[Any], clock: Clock) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member
    )
    await client.post(
        checkout.json()["redirect_url"].split("?")[0] + "/confirm", headers=member, follow_redirects=False
    )
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).status_code == 200
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    for name in ("M0002", "M0003", "M0004", "M0005"):
        assert (await apply(client, await login(client, name), BUNGALOW)).status_code == 201
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    assert (await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)).status_code == 200


async def test_down_and_up_again_keeps_every_row(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    await _a_paid_stay_with_its_pass_and_a_drawn_campaign(client, clock)
    before = await _row_counts(settings.database_url)
    assert before["stay_nights"] > 0
    assert before["payments"] > 0
    assert before["passes"] > 0
    assert before["campaign_offers"] > 0

    config = alembic_config(settings.database_url)
    in_own_thread(lambda: command.downgrade(config, BEFORE))
    # A table a later revision created (the audit log, 0019) goes with its downgrade; every table that
    # was there at BEFORE keeps every row.
    kept = set(await _row_counts(settings.database_url))
    in_own_thread(lambda: command.upgrade(config, "head"))

    after = await _row_counts(settings.database_url)
    assert {t: n for t, n in after.items() if t in kept} == {t: n for t, n in before.items() if t in kept}
    assert {"bookings", "stay_nights", "payments", "passes", "campaign_offers"} <= kept
