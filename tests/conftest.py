"""Shared fixtures: real databases (SQLite and PostgreSQL), a real Redis, and the app under a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

import accounts.passwords
from booking import services
from booking.models import Promotion
from estivage.app import create_app
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from payments.reports import ledger_mismatches
from tests.support.databases import PostgresDatabases, SqliteDatabases
from tests.support.servers import postgres_server, redis_server
from tests.support.smtp import Inbox, smtp_server

# Every test runs on this instant, so that the demo seasons and the stay rules read the same on any day
# the suite runs. 09:00 UTC is 10:00 in Casablanca.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "estivage-demo"

# The suite logs in many hundreds of times (nearly every API and page test, thirty members at a time in
# the summer draws). At argon2's production cost (64 MiB, 3 passes, 4 lanes) each login costs ~0.15 s of CPU
# here: minutes of the suite spent in the hash. In the test process passwords are hashed at argon2id's
# lowest cost instead, through the same functions, so the demo accounts of the test databases (seeded
# here) verify at once. A password is verified at the cost written in its hash: the servers the tests
# start as processes verify those accounts cheaply too, unless a test stores a production-cost hash
# (tests/integration/test_graceful_shutdown.py does, to keep logins slow).
accounts.passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
accounts.passwords._DUMMY_HASH = accounts.passwords._hasher.hash("not-a-password")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"), NOW)


@pytest.fixture(scope="session")
def postgres_databases(postgres_admin_url: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin_url, NOW)
    yield databases
    databases.drop_template()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh migrated and seeded database of the test's backend."""
    if backend == "sqlite":
        sqlite: SqliteDatabases = request.getfixturevalue("sqlite_databases")
        url = sqlite.fresh()
        yield url
        await sqlite.drop(url)
    else:
        postgres: PostgresDatabases = request.getfixturevalue("postgres_databases")
        url = await postgres.fresh_async()
        yield url
        await postgres.drop(url)


@pytest.fixture
def settings(backend: str, database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """SQLite runs with the embedded memory store, PostgreSQL with the real Redis, as in production."""
    redis = request.getfixturevalue("redis_url") if backend == "postgres" else None
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        redis_url=redis,
        jwt_secret="test-secret-" + uuid.uuid4().hex,
        store_namespace=f"estivage-test-{uuid.uuid4().hex[:8]}",
    )


class Clock:
    """The app's clock in tests: starts at NOW and moves only when a test says so."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for a demo account."""
    response = await client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


STAY = {
    "centre": "ifrane",
    "unit_type": "studio",
    "arrival": "2026-12-20",
    "departure": "2026-12-24",
    "guests": 2,
}


async def hold(client: AsyncTestClient[Any], headers: dict[str, str], **changes: Any) -> Any:
    """POST /api/bookings for the default demo stay, with `changes` to it."""
    return await client.post("/api/bookings", json={**STAY, **changes}, headers=headers)


async def available(
    client: AsyncTestClient[Any], headers: dict[str, str], unit_type: str = "studio", **stay: Any
) -> int:
    params = {k: v for k, v in {**STAY, **stay}.items() if k != "unit_type"}
    response = await client.get("/api/availability", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return next((o["available"] for o in response.json() if o["unit_type"] == unit_type), 0)


async def confirm_booking(settings: Settings, booking_id: str, now: datetime = NOW) -> None:
    """Mark a hold paid, as the payments package does once money is secured."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        uow = UnitOfWork(session)
        await services.confirm(uow, uuid.UUID(booking_id), now)
        await uow.commit()
    await engine.dispose()


async def pause_demo_promotions(settings: Settings) -> None:
    """For tests about promotions of their own: the demo ones stop applying."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await session.execute(update(Promotion).values(paused=True))
        await session.commit()
    await engine.dispose()


async def assert_ledger_balanced(settings: Settings) -> None:
    """Every booking's payments and refunds add up to what the member finally owes."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        problems = await ledger_mismatches(session)
    await engine.dispose()
    assert problems == []


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback for the test: what it received, and its port."""
    with smtp_server() as running:
        yield running


async def pay_by_payroll(
    client: AsyncTestClient[Any], headers: dict[str, str], booking_id: str, instalments: int = 2
) -> Any:
    """Check a held booking out by payroll, which confirms it at once: the confirmed booking."""
    paid = await client.post(
        f"/api/bookings/{booking_id}/checkout",
        json={"method": "payroll", "instalments": instalments},
        headers=headers,
    )
    assert paid.status_code == 200, paid.text
    return paid.json()


async def paid_by_payroll(
    client: AsyncTestClient[Any], headers: dict[str, str], instalments: int = 2, **changes: Any
) -> dict[str, Any]:
    """The default demo stay (with `changes` to it) held, then paid by payroll: the booking as held."""
    held = await hold(client, headers, **changes)
    assert held.status_code == 201, held.text
    booking = dict(held.json())
    await pay_by_payroll(client, headers, booking["id"], instalments)
    return booking
