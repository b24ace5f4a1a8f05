"""The app served by a real uvicorn on loopback, in a thread of the test process.

Litestar's test client hands requests to the app one at a time; a rush must be real concurrent HTTP.
Running the server in-process keeps test-only switches (such as the allocation lock) reachable.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from litestar import Litestar

from tests.support.servers import free_port


@contextlib.contextmanager
def live_server(app: Litestar, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends; give ``port`` to come back on the same address after a stop."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
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
