"""What `estivage serve` hands uvicorn beyond its options (``estivage.cli._serve``)."""

from __future__ import annotations

import asyncio
import socket
from contextlib import suppress

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The standard library's event loop, not uvloop (which uvicorn's "auto" picks when installed). libuv,
# since 1.45 (libuv/libuv#3696), accepts one connection per turn of the loop; a busy turn takes ~20 ms, so
# connections opened while the server works (phones at an opening, nginx opening upstream connections
# under load) waited in the kernel's queue, let in at ~50 a second: 512 of them waited up to 10 s.
# asyncio accepts every queued connection at each turn. Measured in bench/rush.py (/health at 512
# connections after a rush), checked by tests/integration/test_serve_connections.py.
LOOP = "asyncio"


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a connection with Nagle's algorithm off.

    asyncio turns it off only for a socket whose protocol number says TCP; with ``--workers`` > 1 uvicorn
    binds the listening socket itself with ``socket.socket(family)`` (protocol 0), so the connections it
    accepts kept Nagle on. A response goes out as two writes (head, then body): the body waited for the
    client's delayed acknowledgement of the head, 40 ms on Linux: every request of a two-worker server
    took 44 ms (`bench/rush.py --workers 2`: 1,452 `/health` a second instead of ~6,000). uvloop sets
    the option on every TCP connection, which is why this showed only once serve ran on asyncio's loop.
    Set here, where uvicorn lets an app pass its own protocol class, rather than by re-implementing
    uvicorn's socket binding and worker supervision."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
