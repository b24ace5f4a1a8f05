"""Migration 0022 (a member's birth date) down and up again on both databases, members kept."""

from __future__ import annotations

from sqlalchemy import text

from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.integration.test_migrations import _migrate


async def _birth_dates(database_url: str) -> list[object]:
    engine = create_disposable_engine(database_url)
    async with engine.connect() as connection:
        found = list(
            (await connection.execute(text("SELECT birth_date FROM members ORDER BY user_id"))).scalars()
        )
    await engine.dispose()
    return found


async def test_down_to_0019_and_up_again_keeps_the_members(settings: Settings) -> None:
    url = settings.database_url
    assert None not in await _birth_dates(url)  # the demo members have one
    _migrate(url, "down", "0019")
    engine = create_disposable_engine(url)
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM members"))).scalar_one()
    await engine.dispose()
    assert count == 500
    _migrate(url, "up", "head")
    assert set(await _birth_dates(url)) == {None}
