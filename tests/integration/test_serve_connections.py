"""How `estivage serve` takes connections (issue 21, the rush; ``estivage/serving.py``).

Phones arriving while the server is busy are let in at once: at an opening, hundreds of members connect
while the server answers others, and nginx opens upstream connections on demand under load. uvloop
(libuv ≥ 1.45) accepted one connection per turn of the event loop, and a busy turn is long: the new
connections waited in the kernel's queue, let in at ~50 a second (10 s for the last of 512). Counted, not
timed: the test waits until the busy connections have had a few hundred more answers (with one
connection accepted per turn, most of the burst would still be queued), then reads the listening
socket's accept queue from ``/proc/net/tcp``.

And no answer waits for Nagle's algorithm: with several workers uvicorn binds the socket itself, and
asyncio left Nagle on for the connections accepted from it (a 40 ms stall on every request)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from uvicorn.config import Config

from estivage import serving
from tests.support.databases import SqliteDatabases
from tests.support.servers import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
BUSY_CONNECTIONS = 64
BURST = 300
HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def server(sqlite_databases: SqliteDatabases, tmp_path: Path) -> Iterator[int]:
    """`estivage serve` (one worker, as the rush's single-worker figures) on a fresh SQLite copy."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_databases.fresh(),
        "ESTIVAGE_DATA_DIR": str(tmp_path),
        "ESTIVAGE_JWT_SECRET": "burst-test-" + "s" * 32,
        "ESTIVAGE_PAYMENTS": "test",  # said, as `estivage serve` requires for the test mode
    }
    command = [sys.executable, "-m", "estivage.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            assert process.poll() is None, "estivage serve exited"
            assert time.monotonic() < deadline, "estivage serve did not start"
            time.sleep(0.1)
        yield port
    finally:
        stop(process)


class Load:
    """Keeps the server busy: ``BUSY_CONNECTIONS`` keep-alive connections, each sending its next
    ``GET /health`` as soon as the last is answered, in a thread of its own; counts the answers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.answered = 0
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        assert self.ready.wait(30), "the load's connections did not open"
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    async def _run(self) -> None:
        streams = [await asyncio.open_connection("127.0.0.1", self.port) for _ in range(BUSY_CONNECTIONS)]
        self.ready.set()
        await asyncio.gather(*(self._ask(reader, writer) for reader, writer in streams))

    async def _ask(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not self._stop.is_set():
                writer.write(HEALTH)
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.answered += 1
        finally:
            writer.close()


def accept_queue(port: int) -> int:
    """Connections the kernel has completed and the server has not accepted yet: the ``rx_queue`` of
    the listening socket (state 0A) in /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, queues = fields[1], fields[3], fields[4]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
            return int(queues.split(":")[1], 16)
    raise AssertionError(f"nothing listens on port {port}")


def answer(sock: socket.socket) -> bytes:
    sock.sendall(HEALTH)
    return sock.recv(64)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the accept queue from /proc")
def test_a_burst_of_connections_to_a_busy_server_is_let_in_at_once(server: int) -> None:
    with Load(server) as load, contextlib.ExitStack() as stack:
        # Each connect returns once the kernel has completed the handshake: queued for the server.
        burst = [stack.enter_context(socket.create_connection(("127.0.0.1", server))) for _ in range(BURST)]
        answered = load.answered
        deadline = time.monotonic() + 60
        while load.answered < answered + 4 * BUSY_CONNECTIONS:
            assert time.monotonic() < deadline, "the busy connections stopped being answered"
            time.sleep(0.01)
        waiting = accept_queue(server)
        assert waiting == 0, f"{waiting} of {BURST} connections still wait to be accepted"
        for sock in burst:  # and each of them is answered
            sock.settimeout(30)
            assert answer(sock).startswith(b"HTTP/1.1 200 ")


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_every_connection_has_nagle_off_on_the_socket_uvicorns_workers_share() -> None:
    """The socket bound as `estivage serve --workers N` binds it (uvicorn's ``Config.bind_socket``, which
    a one-worker server does not use), served with serve's loop and protocol; every connection taken
    from it must have TCP_NODELAY set, or each response's body waits for the client's delayed ACK."""
    config = Config(
        _ok,
        host="127.0.0.1",
        port=0,
        loop=serving.LOOP,
        http=serving.NoDelayHttpToolsProtocol,
        lifespan="off",
        log_config=None,
        access_log=False,
    )
    listening = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listening])), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        port = listening.getsockname()[1]
        with contextlib.ExitStack() as stack:
            clients = [stack.enter_context(socket.create_connection(("127.0.0.1", port))) for _ in range(3)]
            for client in clients:
                client.settimeout(30)
                assert answer(client).startswith(b"HTTP/1.1 200 ")
            connections = list(server.server_state.connections)
            assert len(connections) == len(clients)
            for connection in connections:
                sock = connection.transport.get_extra_info("socket")  # type: ignore[attr-defined]
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), "Nagle is on"
    finally:
        server.should_exit = True
        thread.join(30)
        listening.close()
