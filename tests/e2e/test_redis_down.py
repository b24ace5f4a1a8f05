"""Redis down: bookings and passes keep working on PostgreSQL alone; what degrades is said and seen.

Degrades (docs/operations.md): login rate limits fail open, `Idempotency-Key` replays stop (the domain
rules answer a retried hold instead), readiness says "degraded" with HTTP 200, and the store's errors
are counted in `estivage_store_errors_total`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import Clock, hold, login
from tests.e2e.test_replicas import me, replicas, wait_until
from tests.support.servers import closed_port, free_port


@pytest.fixture
def backend() -> str:
    """Production's database: the point is that PostgreSQL alone carries the service."""
    return "postgres"


class RedisProcess:
    """A throwaway redis-server this test may kill and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is installed on the test machines (make deps)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    redis = RedisProcess()
    redis.start()
    yield redis
    redis.kill()


async def _client(
    settings: Settings, clock: Clock, redis_url: str
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    changed = dataclasses.replace(settings, redis_url=redis_url, login_failures_per_account=2)
    async with AsyncTestClient(app=create_app(changed, clock=clock)) as client:
        yield client


async def _store_errors(client: AsyncTestClient[Any]) -> float:
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("estivage_store_errors_total{")
    )


async def _book_pay_and_get_the_pass(client: AsyncTestClient[Any], member: dict[str, str]) -> dict[str, Any]:
    """hold → checkout in test mode → confirm → pass, as a member's phone does it."""
    held = await hold(client, {**member, "Idempotency-Key": "hold-1"})
    assert held.status_code == 201, held.text
    booking_id = held.json()["id"]
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout",
        json={"method": "card"},
        headers={**member, "Idempotency-Key": "pay-1"},
    )
    assert checkout.status_code == 200, checkout.text
    confirm = checkout.json()["redirect_url"].split("?")[0] + "/confirm"
    assert (await client.post(confirm, headers=member, follow_redirects=False)).status_code == 303
    issued = await client.get(f"/api/bookings/{booking_id}/pass", headers=member)
    assert issued.status_code == 200, issued.text
    assert (await client.get(f"/api/bookings/{booking_id}/pass.png", headers=member)).status_code == 200
    return {"booking_id": booking_id, **issued.json()}


@pytest.fixture
def closed() -> Iterator[str]:
    """A Redis address that refuses connections (held for the test: no other worker's server takes it)."""
    with closed_port() as port:
        yield f"redis://127.0.0.1:{port}/0"


async def test_with_redis_unreachable_from_the_start_bookings_and_passes_work(
    settings: Settings, clock: Clock, closed: str
) -> None:
    async for client in _client(settings, clock, closed):
        before = await _store_errors(client)
        ready = await client.get("/ready")  # probes Redis itself: one more error counted
        assert ready.status_code == 200
        assert ready.json() == {"status": "degraded", "database": "ok", "store": "degraded"}
        # Rate limits fail open (and successful logins are never counted).
        for _ in range(4):
            member = await login(client, "M0001")
        issued = await _book_pay_and_get_the_pass(client, member)
        assert issued["centre"] == "ifrane"
        # No replay without the store: the retried hold meets the one-open-hold rule (the first one is
        # now confirmed, so a second hold of the same stay is simply a new hold, refused or not by rules).
        again = await hold(client, {**member, "Idempotency-Key": "hold-1"})
        assert "idempotent-replayed" not in again.headers
        assert again.status_code == 201  # a second studio for the same dates: the rules allow it
        assert again.json()["id"] != issued["booking_id"]
        cancelled = await client.post(f"/api/bookings/{issued['booking_id']}/cancel", headers=member)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert await _store_errors(client) > before


async def test_redis_stopping_mid_run_degrades_and_recovers_without_a_5xx(
    settings: Settings, clock: Clock, redis_process: RedisProcess
) -> None:
    async for client in _client(settings, clock, redis_process.url):
        assert (await client.get("/ready")).json()["store"] == "ok"
        member = await login(client, "M0001")
        first = await hold(client, {**member, "Idempotency-Key": "k-1"})
        replay = await hold(client, {**member, "Idempotency-Key": "k-1"})
        assert replay.headers.get("idempotent-replayed") == "true"  # Redis is really in use
        assert replay.json()["id"] == first.json()["id"]
        statuses = [
            (await client.post("/api/auth/token", json={"username": "M0002", "password": "x"})).status_code
            for _ in range(3)
        ]
        assert statuses[-1] == 429  # two failures counted in Redis, the third refused

        redis_process.kill()
        cancelled = await client.post(f"/api/bookings/{first.json()['id']}/cancel", headers=member)
        assert cancelled.status_code == 200, cancelled.text
        member = await login(client, "M0001")  # the rate limit fails open now
        issued = await _book_pay_and_get_the_pass(client, member)
        assert issued["valid_from"] < issued["valid_until"]
        degraded = await client.get("/ready")
        assert (degraded.status_code, degraded.json()["status"]) == (200, "degraded")

        redis_process.start()
        # Readiness reaches Redis itself, whatever the skip window, and a success ends that window.
        recovered = await client.get("/ready")
        assert recovered.json() == {"status": "ok", "database": "ok", "store": "ok"}
        again = await hold(
            client, {**member, "Idempotency-Key": "k-2"}, arrival="2027-01-10", departure="2027-01-13"
        )
        assert again.status_code == 201, again.text
        replayed = await hold(
            client, {**member, "Idempotency-Key": "k-2"}, arrival="2027-01-10", departure="2027-01-13"
        )
        assert replayed.headers.get("idempotent-replayed") == "true"


async def test_with_redis_stopping_a_logout_holds_on_every_replica_through_the_database(
    settings: Settings, clock: Clock, redis_process: RedisProcess
) -> None:
    """The replicas keep accounts in memory only while they hear Redis (issue 21): when it stops, they
    read the database again, so a logout that could not be published still holds everywhere."""
    async with replicas(dataclasses.replace(settings, redis_url=redis_process.url), clock) as (one, other):
        phone, tablet = await login(one, "M0001"), await login(one, "M0001")
        for replica in (one, other):
            assert await me(replica, phone) == 200  # now kept in each replica's memory

        redis_process.kill()
        started = time.monotonic()
        wait_until(False, one, other)
        assert time.monotonic() - started < 1.0  # a closed connection is seen at once, not after pings
        assert await me(other, phone) == 200  # from the database
        assert (await one.post("/api/auth/logout", headers=phone)).status_code == 204  # nothing published
        assert await me(other, phone) == 401
        assert await me(one, phone) == 401
        assert await me(other, tablet) == 200

        redis_process.start()
        wait_until(True, one, other)  # subscribed again (memory cleared: messages may have been missed)
        assert await me(other, tablet) == 200
        assert (await one.post("/api/auth/logout", headers=tablet)).status_code == 204
        assert await me(other, tablet) == 401


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a Redis behind a dead network path."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()


async def test_a_redis_that_never_answers_costs_a_request_at_most_its_timeout(
    settings: Settings, clock: Clock
) -> None:
    with silent_server() as url:
        async for client in _client(settings, clock, url):
            member = await login(client, "M0001")
            started = time.monotonic()
            held = await hold(client, {**member, "Idempotency-Key": "slow-1"})
            assert held.status_code == 201, held.text
            assert time.monotonic() - started < 2.0
            # Within the skip window the store is not even tried.
            started = time.monotonic()
            assert (await client.get(f"/api/bookings/{held.json()['id']}", headers=member)).status_code == 200
            mine = await client.get("/api/bookings", headers=member)
            assert mine.status_code == 200
            assert time.monotonic() - started < 0.5


async def test_with_redis_unreachable_search_gates_and_on_site_work(
    settings: Settings, clock: Clock, closed: str
) -> None:
    """The rest of what docs/operations.md says keeps working: members' search, a gate's keys,
    revocations and scan uploads (each event stored once: the database, not the store, deduplicates),
    and who is on site in the managers' occupancy."""
    async for client in _client(settings, clock, closed):
        member = await login(client, "M0001")
        params = {"centre": "ifrane", "arrival": "2027-01-10", "departure": "2027-01-13", "guests": "2"}
        found = await client.get("/api/availability", params=params, headers=member)
        assert found.status_code == 200, found.text
        assert any(offer["available"] > 0 for offer in found.json())

        issued = await _book_pay_and_get_the_pass(client, member)
        staff = await login(client, "staff")
        enrolled = await client.post(
            "/api/access/devices", headers=staff, json={"centre": "ifrane", "name": "Entrée"}
        )
        assert enrolled.status_code == 201, enrolled.text
        gate = {"Authorization": f"Bearer {enrolled.json()['token']}"}
        keys = await client.get("/api/access/keys", headers=gate)
        assert keys.status_code == 200
        assert keys.json()["keys"]
        event = {
            "event_id": "7f1c2b4e-0000-4000-8000-000000000001",
            "pass_id": issued["pass_id"],
            "direction": "in",
            "decision": "granted",
            "reason": "ok",
            "scanned_at": clock().isoformat(),
        }
        for expected in ({"accepted": 1, "duplicates": 0}, {"accepted": 0, "duplicates": 1}):
            uploaded = await client.post("/api/access/scans", json={"events": [event]}, headers=gate)
            assert uploaded.status_code == 200, uploaded.text
            assert uploaded.json() == expected

        cancelled = await client.post(f"/api/bookings/{issued['booking_id']}/cancel", headers=member)
        assert cancelled.status_code == 200
        feed = await client.get("/api/access/revocations", params={"since": 0}, headers=gate)
        assert issued["pass_id"] in feed.json()["revoked"]

        manager = await login(client, "manager-ifrane")
        day = clock().date().isoformat()
        occupancy = await client.get(
            "/api/centres/ifrane/occupancy", params={"from": day, "to": day}, headers=manager
        )
        assert occupancy.status_code == 200, occupancy.text
        assert occupancy.json()["on_site_now"] == 1  # one person counted in at the gate
