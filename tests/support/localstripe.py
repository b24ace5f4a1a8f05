"""localstripe (a Stripe-compatible server from PyPI) on loopback, as a separate process.

Its own command binds every interface, so it is started from Python bound to 127.0.0.1. It ignores
idempotency keys: idempotency is this project's own job.

localstripe pickles its whole state to the fixed path /tmp/localstripe.pickle after every write (and its
own command reads it back at start). Two servers at once (two test workers, or two checkouts on one
machine) would write the same file, and every write would cost a pickle of everything so far: the servers
started here keep their state in their own memory only, and each test run starts empty.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

from tests.support.servers import _port_open, free_port

_SERVE = (
    "import sys\n"
    "from aiohttp import web\n"
    "from localstripe import resources\n"
    "for name in ('dump_to_disk', 'try_load_from_disk'):\n"
    "    assert hasattr(resources.Store, name), name  # a new localstripe saves its state another way\n"
    "    setattr(resources.Store, name, lambda self: None)\n"
    "from localstripe.server import app\n"
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)\n"
)


@contextlib.contextmanager
def localstripe_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while not _port_open("127.0.0.1", port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("localstripe did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
