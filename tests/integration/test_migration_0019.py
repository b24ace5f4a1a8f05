"""Migration 0019 (the audit log, bookings made by staff, parties, e-mail changes) down and up again on
both databases, with rows in its tables: going down keeps the bookings, coming back the audit log is
append-only again (its triggers restored)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import STAY, login
from tests.e2e.test_party import CHILD, SPOUSE
from tests.integration.test_migrations import _migrate


async def _rows(database_url: str, sql: str) -> list[Any]:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        rows = list((await connection.execute(text(sql))).all())
    await engine.dispose()
    return rows


async def test_down_to_0018_and_up_again(client: AsyncTestClient[Any], settings: Settings) -> None:
    staff = await login(client, "staff")
    held = await client.post(
        "/api/bookings",
        headers=staff,
        json={**STAY, "unit_type": "apt2", "guests": 3, "member": "M0001", "party": [SPOUSE, CHILD]},
    )
    assert held.status_code == 201, held.text
    await client.post(
        "/api/me/email", headers=await login(client, "M0002"), json={"email": "new@example.org"}
    )
    url = settings.database_url
    assert len(await _rows(url, "SELECT id FROM audit_log")) == 1

    _migrate(url, "down", "0018")
    assert await _rows(url, "SELECT guests FROM bookings") == [(3,)]
    tables = await _rows(
        url,
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    )
    assert not {"audit_log", "booking_party", "email_changes"} & {name for (name,) in tables}

    _migrate(url, "up", "head")
    assert await _rows(url, "SELECT booked_by FROM bookings") == [(None,)]
    engine = create_disposable_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, actor_role, kind, subject_kind, subject_key)"
                    " VALUES ('2026-11-23 09:00:00', 'staff', 'staff', 'tariff.set', 'tariff', 'x')"
                )
            )
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError, match="append-only"):
                await connection.execute(text("DELETE FROM audit_log"))
    finally:
        await engine.dispose()
