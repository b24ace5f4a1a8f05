"""Replicas (issue 21): several server processes share one database and one Redis, and each keeps the
accounts' states in its own memory (``accounts.tokens.LocalStates``). A logout, a disabled account or a
manager's centres changed through one replica hold on every other one at the very next request, told by
Redis pub/sub (``estivage.account_feed``); the memory really saves the Redis round trip meanwhile.

Each test client runs its app in its own thread and event loop, as two processes would."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from litestar import Litestar
from litestar.security.jwt import Token
from litestar.testing import AsyncTestClient

from accounts.tokens import AccountStates
from estivage import account_feed
from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import Clock, login

OCCUPANCY = "/api/centres/ifrane/occupancy?from=2026-12-20&to=2026-12-21"


@pytest.fixture
def backend() -> str:
    """Production's setup: PostgreSQL and Redis (the embedded memory store has no replicas)."""
    return "postgres"


@pytest.fixture(autouse=True)
def patient_listeners(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the messages, not the silence window: each replica's thread can stall for
    longer than production's 1.5 s on a 2-core machine running the whole suite in parallel, and a listener
    that has not run for that long rightly bypasses its copies (``LocalStates.live``), which made the
    memory's own checks below fail now and then in CI. The window's behaviour is tested on its own in
    ``tests/unit/accounts/test_local_states.py``."""
    monkeypatch.setattr(account_feed, "HEARD_SECONDS", 30.0)


def states(client: AsyncTestClient[Litestar]) -> AccountStates:
    found: AccountStates = client.app.state.account_states
    return found


def wait_until(listening: bool, *clients: AsyncTestClient[Litestar]) -> None:
    """Until each replica's listener has (or has lost) its subscription to the accounts' channel."""
    deadline = time.monotonic() + 10
    while any(states(client).local.live != listening for client in clients):  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"the replicas' listeners did not become live={listening}"
        time.sleep(0.02)


@contextlib.asynccontextmanager
async def replicas(
    settings: Settings, clock: Clock, count: int = 2
) -> AsyncIterator[Sequence[AsyncTestClient[Litestar]]]:
    """``count`` apps over the same database and Redis, each listening to the accounts' channel."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTestClient(app=create_app(settings, clock=clock)))
            for _ in range(count)
        ]
        wait_until(True, *clients)
        yield clients


def account_id(headers: dict[str, str], settings: Settings) -> int:
    encoded = headers["Authorization"].removeprefix("Bearer ")
    return int(Token.decode(encoded, settings.jwt_secret, "HS256").sub)


def kept_in_memory(client: AsyncTestClient[Litestar], user_id: int) -> bool:
    local = states(client).local
    assert local is not None
    assert local.live, "the replica's listener has stopped hearing Redis"
    return local.get(user_id) is not None


async def me(client: AsyncTestClient[Any], headers: dict[str, str]) -> int:
    return (await client.get("/api/me", headers=headers)).status_code


async def test_a_logout_on_one_replica_is_refused_on_the_other_at_the_very_next_request(
    settings: Settings, clock: Clock
) -> None:
    async with replicas(settings, clock) as (one, other):
        phone, tablet = await login(one, "M0001"), await login(one, "M0001")
        user_id = account_id(phone, settings)
        for replica in (one, other):
            assert await me(replica, phone) == 200
            assert kept_in_memory(replica, user_id)  # what the logout must reach
        assert (await one.post("/api/auth/logout", headers=phone)).status_code == 204
        assert await me(other, phone) == 401
        assert await me(one, phone) == 401
        assert await me(other, tablet) == 200  # the member's other session stays signed in


async def test_disabling_or_moving_a_manager_on_one_replica_holds_on_the_other_at_once(
    settings: Settings, clock: Clock
) -> None:
    async with replicas(settings, clock) as (one, other):
        staff = await login(one, "staff")
        manager = await login(one, "manager-ifrane")
        assert (await other.get(OCCUPANCY, headers=manager)).status_code == 200
        moved = await one.patch("/api/users/manager-ifrane", json={"centres": ["mdiq"]}, headers=staff)
        assert moved.status_code == 200, moved.text
        assert (await other.get(OCCUPANCY, headers=manager)).status_code == 403
        disabled = await one.patch("/api/users/manager-ifrane", json={"disabled": True}, headers=staff)
        assert disabled.status_code == 200, disabled.text
        assert await me(other, manager) == 401


async def test_repeated_requests_are_answered_from_memory_without_a_redis_read(
    settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with replicas(settings, clock, count=1) as (client,):
        member = await login(client, "M0001")
        shared = states(client).store
        reads: list[str] = []
        read = shared.get

        async def counted(key: str, renew_for: Any = None) -> bytes | None:
            reads.append(key)
            return await read(key, renew_for)

        monkeypatch.setattr(shared, "get", counted)
        for _ in range(20):
            assert await me(client, member) == 200
        assert len(reads) <= 1, reads  # the first request of the account at most
