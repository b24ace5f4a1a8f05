"""Shared fixtures: real databases (SQLite and PostgreSQL), a real Redis, and the app under a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from estivage.settings import Settings
from tests.support.databases import PostgresDatabases, SqliteDatabases
from tests.support.servers import postgres_server, redis_server

# Every test runs on this instant, so that the demo seasons and the stay rules read the same on any day
# the suite runs. 09:00 UTC is 10:00 in Casablanca.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "estivage-demo"


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


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, clock=lambda: NOW)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for a demo account."""
    response = await client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
