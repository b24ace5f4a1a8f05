"""The app served by a real uvicorn on loopback, in a thread of the test process.

Litestar's test client hands requests to the app one at a time; a rush must be real concurrent HTTP.
Running the server in-process keeps test-only switches (such as the allocation lock) reachable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from litestar import Litestar

from estivage.app import create_app
from kernel.clock import Clock
from kernel.settings import Settings


@contextlib.contextmanager
def live_server(app: Litestar, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends; give ``port`` to come back on the same address after a stop.

    The socket is bound here and handed to uvicorn: between choosing a free port and listening on it no
    other process (another test worker) can take it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def fuzzed_app(settings: Settings, clock: Clock) -> Litestar:
    """The app the schemathesis tests send thousands of requests to, each example logging in: the login
    limit per address lifted (the suite's own tests of that limit keep it)."""
    return create_app(dataclasses.replace(settings, login_attempts_per_minute=100_000), clock=clock)
