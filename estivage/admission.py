"""Fair admission: at most N requests at work at once, the others waiting in arrival order.

Without it, an opening-day rush of 64 (or 512) requests is taken in all at once: every one of them gets
a slice of the one event loop in turn, races the others for the database pool and for the unit type's
lock, and all finish late together, some very late (processor sharing, plus whoever loses the races).
With a bounded first-in-first-out queue in front, a request waits once, at the door, and then runs with
few others: the same throughput, but the wait is that of the queue ahead of it, the same for everyone.

``asyncio.Semaphore`` wakes its waiters in the order they came (Python 3.11.1 and later). Probes and
static files are never queued: a load balancer must see a saturated replica as alive. The limit is
``ESTIVAGE_ADMISSION_LIMIT`` (0: no limit); a bit above the database pool's size keeps the pool busy
while some requests are in their non-database parts (auth, JSON).
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

# Never queued: liveness and readiness probes, the scraper, static files.
UNQUEUED_PREFIXES = ("/health", "/ready", "/metrics", "/static/")


def admission(app: ASGIApp, limit: int) -> ASGIApp:
    """`app` behind a first-in-first-out queue of at most `limit` requests at work (0: `app` as is)."""
    if limit <= 0:
        return app
    # Made inside the event loop that serves (a test may serve one app from several loops in turn).
    gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    async def admitted(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(UNQUEUED_PREFIXES):
            await app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        gate = gates.get(loop)
        if gate is None:
            gates.clear()  # a loop that served before is closed by now
            gate = gates[loop] = asyncio.Semaphore(limit)
        async with gate:
            await app(scope, receive, send)

    return admitted
