"""Migration 0017 (gates of one centre) down and up again on both databases, with gate events stored:
the events are kept, and coming back they get their booking and their place in the scan feed."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import NOW
from tests.e2e.test_gate_fleet import _device, _scan, _stay
from tests.integration.test_migrations import _migrate


async def _rows(database_url: str, sql: str) -> list[Any]:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        rows = list((await connection.execute(text(sql))).all())
    await engine.dispose()
    return rows


async def test_down_to_0016_and_up_again_keeps_the_events_and_feeds_them(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    stay = await _stay(client, "M0001")
    gate = await _device(client)
    events = [_scan(stay["pass_id"]), _scan(stay["pass_id"], "out", NOW.replace(minute=5))]
    assert (await client.post("/api/access/scans", headers=gate["headers"], json={"events": events})).json()[
        "accepted"
    ] == 2
    await client.get("/api/access/device", headers=gate["headers"])  # makes the centre's peer key

    _migrate(settings.database_url, "down", "0016")
    assert len(await _rows(settings.database_url, "SELECT event_id FROM gate_events")) == 2
    assert await _rows(settings.database_url, "SELECT name FROM feed_locks WHERE name = 'scans'") == []

    _migrate(settings.database_url, "up", "head")
    bookings = await _rows(settings.database_url, "SELECT DISTINCT booking_id FROM gate_events")
    assert [str(b).replace("-", "") for (b,) in bookings] == [stay["booking_id"].replace("-", "")]
    feed = await _rows(settings.database_url, "SELECT seq FROM scan_feed ORDER BY seq")
    assert len(feed) == 2
    assert await _rows(settings.database_url, "SELECT name FROM feed_locks WHERE name = 'scans'") == [
        ("scans",)
    ]
