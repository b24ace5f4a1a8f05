"""Fair admission: at most N requests at work, the others let in in the order they came; probes never wait."""

from __future__ import annotations

import asyncio
from typing import Any

from estivage.admission import admission


def _recording_app(at_work: list[int], order: list[str], release: asyncio.Event) -> Any:
    current = 0

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        nonlocal current
        current += 1
        at_work.append(current)
        order.append(scope["path"])
        await release.wait()
        current -= 1

    return app


def _http(path: str) -> dict[str, Any]:
    return {"type": "http", "path": path}


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_requests_beyond_the_limit_wait_and_are_let_in_in_the_order_they_came() -> None:
    at_work: list[int] = []
    order: list[str] = []
    release = asyncio.Event()
    app: Any = admission(_recording_app(at_work, order, release), limit=2)
    tasks = []
    for i in range(6):
        tasks.append(asyncio.create_task(app(_http(f"/api/bookings/{i}"), None, None)))
        await _settle()
    assert order == ["/api/bookings/0", "/api/bookings/1"]
    release.set()
    await asyncio.gather(*tasks)
    assert order == [f"/api/bookings/{i}" for i in range(6)]
    assert max(at_work) == 2


async def test_health_and_readiness_probes_never_wait_behind_a_full_queue() -> None:
    at_work: list[int] = []
    order: list[str] = []
    release = asyncio.Event()
    app: Any = admission(_recording_app(at_work, order, release), limit=1)
    busy = [asyncio.create_task(app(_http("/api/availability"), None, None)) for _ in range(3)]
    await _settle()
    probes = [asyncio.create_task(app(_http(path), None, None)) for path in ("/health", "/ready")]
    await _settle()
    assert order == ["/api/availability", "/health", "/ready"]
    release.set()
    await asyncio.gather(*busy, *probes)


def test_a_limit_of_zero_leaves_the_app_as_it_is() -> None:
    async def app(_scope: Any, _receive: Any, _send: Any) -> None:
        return None

    assert admission(app, limit=0) is app
