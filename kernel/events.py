"""Domain events: what happened, recorded inside a unit of work and handled by whoever subscribed.

A use case records an event (``uow.record(BookingCancelled(...))``) where the thing happens; it does not
know who cares. The composition root (``estivage.bootstrap``) subscribes handlers in two phases:

- ``in_transaction``: run by ``UnitOfWork.commit`` before the database commit, in the same transaction,
  with the unit of work: a refund recorded, a pass revoked, an outbox message written. If one fails, the
  whole unit of work rolls back: no revocation without its cancellation, no mail for what did not happen.
  A handler may record further events; they are handled in the same commit.
- ``after_commit``: run once the transaction is committed, with the event only: counters, waking a sender.
  They cannot undo anything, so a failure there is logged and never reaches the caller.

Events are frozen dataclasses named in the past tense, carrying ids and figures, never ORM objects (an
after-commit handler must not touch a session that is closed).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from kernel.uow import UnitOfWork

logger = logging.getLogger("estivage.events")


@dataclass(frozen=True, kw_only=True, slots=True)
class DomainEvent:
    """Base of every event: when it happened (the use case's ``now``)."""

    occurred_at: datetime


E = TypeVar("E", bound=DomainEvent)
InTransactionHandler = Callable[["UnitOfWork", Any], Awaitable[None]]
AfterCommitHandler = Callable[[Any], Awaitable[None] | None]


class EventHandlers:
    """Who handles which event, in which phase. Built once by the composition root; read-only after."""

    def __init__(self) -> None:
        self._in_transaction: dict[type[DomainEvent], list[InTransactionHandler]] = defaultdict(list)
        self._after_commit: dict[type[DomainEvent], list[AfterCommitHandler]] = defaultdict(list)

    def in_transaction(
        self, event_type: type[E], handler: Callable[[UnitOfWork, E], Awaitable[None]]
    ) -> None:
        self._in_transaction[event_type].append(handler)

    def after_commit(self, event_type: type[E], handler: Callable[[E], Awaitable[None] | None]) -> None:
        self._after_commit[event_type].append(handler)

    def _matching(self, table: dict[type[DomainEvent], list[Any]], event: DomainEvent) -> Iterator[Any]:
        # Subscribing to a base class hears its subclasses too (e.g. every DomainEvent for an audit).
        for kind in type(event).__mro__:
            yield from table.get(kind, ())

    def for_transaction(self, event: DomainEvent) -> list[InTransactionHandler]:
        return list(self._matching(self._in_transaction, event))

    async def after(self, events: list[DomainEvent]) -> None:
        for event in events:
            for handler in self._matching(self._after_commit, event):
                try:
                    outcome = handler(event)
                    if outcome is not None:
                        await outcome
                except Exception:  # committed already: a counter or a wake-up failing must not undo it
                    logger.exception("after-commit handler %s failed on %s", handler, type(event).__name__)


NO_HANDLERS = EventHandlers()
