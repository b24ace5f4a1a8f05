"""The Alembic migrations apply on SQLite and PostgreSQL, and describe exactly the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from accounts.models import Member
from booking.campaigns.models import CampaignApplication, CampaignEvent
from estivage.migrate import alembic_config
from estivage.models import Base
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import Clock
from tests.e2e.test_campaigns import CODE, drawn
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


async def _as_before_0013(settings: Settings, amended: str, missing: str) -> dict[str, int | None]:
    """Two paid offers as the settle before 0013 left them: the member's last summer stay not moved, a
    ``paid`` entry without the previous year (``amended``'s) or none at all (``missing``'s)."""
    engine = create_disposable_engine(settings.database_url)
    years = {}
    async with session_factory(engine)() as session:
        for name in (amended, missing):
            member = await session.scalar(select(Member).where(Member.member_number == name))
            assert member is not None
            public_id = await session.scalar(
                select(CampaignApplication.public_id).where(CampaignApplication.member_id == member.user_id)
            )
            entry = await session.scalar(
                select(CampaignEvent).where(
                    CampaignEvent.event == "paid", CampaignEvent.application == public_id
                )
            )
            assert entry is not None
            years[name] = member.last_summer_stay_year = entry.detail["last_summer_stay_year_before"]
            if name == amended:
                entry.detail = {"booking_id": entry.detail["booking_id"]}
            else:
                await session.delete(entry)
        await session.commit()
    await engine.dispose()
    return years


async def _paid_entries(settings: Settings) -> dict[str, tuple[int | None, dict[str, Any]]]:
    """Each member's last summer stay and their ``paid`` entry, by member number."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(Member.member_number, Member.last_summer_stay_year, CampaignEvent.detail, CampaignEvent.at)
            .join(CampaignApplication, CampaignApplication.member_id == Member.user_id)
            .join(CampaignEvent, CampaignEvent.application == CampaignApplication.public_id)
            .where(CampaignEvent.event == "paid")
        )
        found = {name: (year, {**detail, "at": at}) for name, year, detail, at in rows.tuples()}
    await engine.dispose()
    return found


async def test_offers_paid_before_0013_make_the_summer_the_members_last_stay(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    who = await drawn(client, clock, ["M0001", "M0002", "M0003"])  # three bungalows: three offers
    paid_at = clock.now
    for name in ("M0001", "M0002", "M0003"):
        await pay(client, who[name])
    clock.advance(hours=1)
    assert (await client.post(f"/api/campaigns/{CODE}/settle", headers=who["staff"])).json()["paid"] == 3
    settled_since = (await _paid_entries(settings))["M0003"]
    years = await _as_before_0013(settings, amended="M0001", missing="M0002")

    _migrate(settings.database_url, "down", "0014")
    _migrate(settings.database_url, "up", "head")

    after = await _paid_entries(settings)
    assert after["M0003"] == settled_since  # recorded by the settle since 0013: left as it was
    year, amended = after["M0001"]
    assert year == 2027
    assert (amended["last_summer_stay_year_before"], amended["stay_year_backfilled"]) == (
        years["M0001"],
        True,
    )
    year, created = after["M0002"]
    assert year == 2027
    assert (created["last_summer_stay_year_before"], created["backfilled"]) == (years["M0002"], True)
    assert created["at"] == paid_at  # the payment's time, as the settle logs it
