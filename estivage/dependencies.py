"""Litestar's dependencies resolved one after another instead of in a task group.

Litestar (2.25) resolves the dependencies of a handler that do not depend on each other concurrently,
in an anyio task group: a task created, scheduled and joined per dependency, on every request
(https://github.com/litestar-org/litestar/issues/4563, open: two flat dependencies cost a third of an
empty handler's throughput). None of this app's providers waits on anything (the clock, a session object
not yet connected, the unit of work, the request's idempotency key): there is nothing to overlap, and the
task group was ~8% of a refused hold's CPU in the opening-day rush (bench/rush.py). Written here, not
configurable upstream: the one method is replaced, with the same contract (the batches in order; a
dependency's error raised as is, no cleanup group returned; the generators' cleanup group otherwise).
Remove when Litestar resolves flat dependencies without tasks.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection


async def _resolve_in_turn(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_turn() -> None:
    KwargsModel.resolve_dependencies = _resolve_in_turn  # type: ignore[method-assign]
