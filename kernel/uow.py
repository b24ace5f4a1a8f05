"""The unit of work: one transaction per use case, committed once by the use case itself.

    async with uow:
        booking = await uow.session.get(Booking, booking_id)
        booking.cancel(...)
        uow.record(BookingCancelled(...))
        await uow.commit()

``commit`` first runs the in-transaction handlers of the events recorded (and of the events those record),
then commits the session, then runs the after-commit handlers. Leaving the block without committing (an
error, a refusal) rolls the session back and forgets the events, so a page that catches a ``DomainError``
may read again at once without a rollback of its own. Controllers and pages never commit: they call one
service function, which does.

A step shared by several use cases (confirming a booking is a step of a card payment, a payroll checkout
and a summer offer) takes the unit of work and records its events, but never opens or commits it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.events import NO_HANDLERS, DomainEvent, EventHandlers

P = ParamSpec("P")
R = TypeVar("R")


class UnitOfWork:
    def __init__(self, session: AsyncSession, handlers: EventHandlers = NO_HANDLERS) -> None:
        self.session = session
        self.handlers = handlers
        self._events: list[DomainEvent] = []
        self._depth = 0

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._events)

    async def __aenter__(self) -> UnitOfWork:
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and (self._events or self.session.in_transaction()):
            # Left without a commit: nothing of it happened.
            await self.rollback()

    async def commit(self) -> None:
        handled: list[DomainEvent] = []
        while self._events:
            event = self._events.pop(0)
            for handler in self.handlers.for_transaction(event):
                await handler(self, event)
            handled.append(event)
        await self.session.commit()
        await self.handlers.after(handled)

    async def rollback(self) -> None:
        self._events.clear()
        await self.session.rollback()


def use_case(
    step: Callable[Concatenate[AsyncSession, P], Awaitable[R]],
) -> Callable[Concatenate[UnitOfWork, P], Awaitable[R]]:
    """A use case written on a session that records no events: called with a unit of work, it runs in it
    and commits once (``async with uow: …; await uow.commit()``, here once rather than in each one)."""

    @functools.wraps(step)
    async def run(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with uow:
            result = await step(uow.session, *args, **kwargs)
            await uow.commit()
            return result

    return run
