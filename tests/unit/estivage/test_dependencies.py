"""A handler's dependencies are resolved one after another, in the request's own task (no task group):
each still gets what it depends on, a generator's cleanup still runs, and a dependency's error is still
the response."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.testing import TestClient

from estivage.dependencies import resolve_dependencies_in_turn

cleaned: list[str] = []


async def first() -> asyncio.Task[object] | None:
    return asyncio.current_task()


async def second() -> asyncio.Task[object] | None:
    return asyncio.current_task()


def opened() -> Iterator[str]:
    yield "open"
    cleaned.append("closed")


async def refused() -> str:
    raise NotAuthorizedException("no")


@get("/tasks", dependencies={"a": Provide(first), "b": Provide(second), "c": Provide(opened)})
async def tasks(
    a: NamedDependency[asyncio.Task[object]],
    b: NamedDependency[asyncio.Task[object]],
    c: NamedDependency[str],
) -> dict[str, bool]:
    here = asyncio.current_task()
    return {"same_task": a is here and b is here, "opened": c == "open"}


@get("/refused", dependencies={"a": Provide(first), "r": Provide(refused)})
async def refusing(a: NamedDependency[object], r: NamedDependency[str]) -> str:
    return r


def test_dependencies_run_in_the_request_task_with_cleanup_and_errors() -> None:
    resolve_dependencies_in_turn()
    with TestClient(Litestar([tasks, refusing])) as client:
        assert client.get("/tasks").json() == {"same_task": True, "opened": True}
        assert cleaned == ["closed"]
        assert client.get("/refused").status_code == 401
