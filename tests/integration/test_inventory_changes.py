"""The nights taken are kept in memory between changes (inventory/changes.py), on PostgreSQL: a search
asked again does not read them again, and whatever frees a unit — a cancellation on another replica, a
hold running out, a write the listener could not hear — is offered again at once.

Three bungalows at Ifrane: M0001, M0002 and M0003 take them; M0004 is then refused (409 sold out), and
that refusal is the kept read the tests then try to make stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Engine, event, make_url

from estivage.app import create_app
from inventory import changes
from kernel.settings import Settings
from tests.conftest import Clock, available, hold, login

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

BUNGALOW = {"unit_type": "bungalow", "guests": 4}


@contextmanager
def reads_of_taken_nights() -> Iterator[list[str]]:
    """The statements of this process that read the nights taken."""
    seen: list[str] = []

    def look(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT") and "stay_nights" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", look)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", look)


async def sell_out(client: AsyncTestClient[Litestar]) -> list[str]:
    """The three bungalows held by M0001..M0003; their bookings' ids."""
    ids = []
    for username in ("M0001", "M0002", "M0003"):
        response = await hold(client, await login(client, username), **BUNGALOW)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def refused(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> bool:
    response = await hold(client, headers, **BUNGALOW)
    assert response.status_code in (201, 409), response.text
    return response.status_code == 409


async def held_within(client: AsyncTestClient[Litestar], headers: dict[str, str], seconds: float) -> bool:
    """Whether M0004's hold succeeds within `seconds` (a notification crosses processes in milliseconds;
    the kept read would otherwise stand for half a minute)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while await refused(client, headers):
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def soon(condition: Callable[[], bool], seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


@asynccontextmanager
async def replica(settings: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
        yield client


async def test_a_search_asked_again_reads_the_nights_taken_once(client: AsyncTestClient[Litestar]) -> None:
    member = await login(client, "M0001")
    assert await available(client, member, **BUNGALOW) == 3  # the centre's configuration is loaded
    with reads_of_taken_nights() as reads:
        assert [await available(client, member, **BUNGALOW) for _ in range(4)] == [3, 3, 3, 3]
    assert len(reads) == 1, reads
    # A hold here changes it: the next search reads again and shows one fewer.
    assert (await hold(client, await login(client, "M0002"), **BUNGALOW)).status_code == 201
    assert await available(client, member, **BUNGALOW) == 2


async def test_a_cancellation_on_another_replica_is_offered_at_once(settings: Settings, clock: Clock) -> None:
    async with replica(settings, clock) as first, replica(settings, clock) as second:
        held = await sell_out(first)
        latecomer = await login(second, "M0004")
        assert await refused(second, latecomer)
        assert await refused(second, latecomer)  # the kept refusal
        cancelled = await first.post(f"/api/bookings/{held[0]}/cancel", headers=await login(first, "M0001"))
        assert cancelled.status_code == 200, cancelled.text
        assert await held_within(second, latecomer, seconds=2)


async def test_a_hold_that_runs_out_frees_its_unit_at_once(
    client: AsyncTestClient[Litestar], clock: Clock
) -> None:
    await sell_out(client)
    latecomer = await login(client, "M0004")
    assert await refused(client, latecomer)
    clock.advance(minutes=15)  # the demo policy's hold time: the three holds lapse this very instant
    assert (await hold(client, latecomer, **BUNGALOW)).status_code == 201


def plain_connection(settings: Settings) -> Any:
    """A connection of no SQLAlchemy engine of this process: what another program writes through it,
    only the database's notification can tell the server."""
    return asyncpg.connect(settings.database_url.replace("postgresql+asyncpg://", "postgresql://"))


async def give_back(settings: Settings, booking_id: str) -> None:
    """Another program gives a bungalow back."""
    other = await plain_connection(settings)
    try:
        async with other.transaction():
            await other.execute("UPDATE bookings SET status = 'cancelled' WHERE id = $1::uuid", booking_id)
            await other.execute("DELETE FROM stay_nights WHERE booking_id = $1::uuid", booking_id)
    finally:
        await other.close()


async def test_a_unit_another_program_gives_back_is_offered_at_once(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    held = await sell_out(client)
    latecomer = await login(client, "M0004")
    assert await refused(client, latecomer)
    await give_back(settings, held[0])
    assert await held_within(client, latecomer, seconds=2)


async def test_nothing_kept_is_trusted_while_the_listener_is_lost(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    held = await sell_out(client)
    latecomer = await login(client, "M0004")
    other = await plain_connection(settings)
    try:
        cut = await other.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
    finally:
        await other.close()
    assert cut >= 1
    await asyncio.sleep(0.2)  # the server sees its listening connection close (it opens another in 1 s)
    # Refused while deaf: read from the database, and not kept, since nothing would say when it changes.
    assert await refused(client, latecomer)
    await give_back(settings, held[0])
    assert (await hold(client, latecomer, **BUNGALOW)).status_code == 201


async def test_a_listener_that_went_silent_is_noticed_and_nothing_kept_is_trusted(settings: Settings) -> None:
    """A network device that drops the listening connection without a word (no FIN, no RST): the server
    would never hear of it but for its heartbeat. Here a loopback relay stops passing bytes."""
    target = make_url(settings.database_url)
    silent = asyncio.Event()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if not silent.is_set():
                writer.write(data)
                await writer.drain()

    async def connect(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(target.host, target.port)
        await asyncio.gather(
            relay(client_reader, server_writer), relay(server_reader, client_writer), return_exceptions=True
        )

    relay_server = await asyncio.start_server(connect, "127.0.0.1", 0)
    port = relay_server.sockets[0].getsockname()[1]
    dsn = target.set(drivername="postgresql", host="127.0.0.1", port=port).render_as_string(
        hide_password=False
    )
    state = changes.Heard()
    listening = asyncio.create_task(changes._listen(dsn, state))
    try:
        assert await soon(lambda: state.listeners > 0, seconds=10)
        key = ((1,), date(2026, 12, 20), date(2026, 12, 24))
        before = state.stamp(key)
        silent.set()
        # A heartbeat a second, each given a second to answer.
        assert await soon(lambda: state.stamp(key) != before, seconds=5)
        assert state.stamp(key) is None  # not listening: a read made now is not kept
    finally:
        listening.cancel()
        relay_server.close()


async def test_a_hold_is_priced_on_the_configuration_of_the_moment_even_if_a_kept_read_is_older(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    """Another program doubles the bungalows' tariffs with the triggers switched off (no notification):
    the kept read says nothing of it, but a hold reads the configuration's version under its lock."""
    first = await hold(client, await login(client, "M0001"), **BUNGALOW)
    assert first.status_code == 201, first.text
    nightly = [n["amount_minor"] for n in first.json()["price"]["nightly"]]
    # M0001's second hold is refused for their open one, after its look at the bungalows: that read is kept.
    assert (await hold(client, await login(client, "M0001"), **BUNGALOW)).status_code == 422
    other = await plain_connection(settings)
    try:
        async with other.transaction():
            await other.execute("SET LOCAL session_replication_role = replica")  # no trigger fires
            await other.execute(
                "UPDATE tariffs SET nightly_minor = nightly_minor * 2 WHERE unit_type_id = "
                "(SELECT t.id FROM unit_types t JOIN centres c ON c.id = t.centre_id "
                "WHERE c.code = 'ifrane' AND t.code = 'bungalow')"
            )
            await other.execute("UPDATE inventory_version SET version = version + 1")
    finally:
        await other.close()
    second = await hold(client, await login(client, "M0002"), **BUNGALOW)
    assert second.status_code == 201, second.text
    doubled = [n["amount_minor"] for n in second.json()["price"]["nightly"]]
    assert doubled == [2 * n for n in nightly]
