"""The sender: claims due messages from the outbox, hands each to its transport, records the outcome.

Exactly once, across crashes and several senders:

1. **Claim** (one short transaction): the due messages (pending, their next try due, no live lease) get a
   lease (``claimed_until = now + LEASE``, ``claimed_by``) and one more attempt, and the claim commits.
   On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so senders never wait on each
   other nor take the same row; on both databases the ``UPDATE … WHERE`` re-checks the lease and
   ``RETURNING`` says which rows this sender really got, so two senders racing on SQLite (where the
   demo runs one) cannot both take a message either.
2. **Send**, outside any transaction.
3. **Record** (one short transaction): sent; or failed for good (a 5xx, a bad address); or pending again
   after a back-off (``notifications.domain.delivery.backoff``).

A sender that dies between 1 and 3 leaves its lease to run out; the next sender takes the message then.
Died before the send: it goes once, later. Died after the send but before recording it: it goes a
second time, with the same ``Message-ID`` (the row's id): that window is one database round trip, and
mail clients show two messages with one Message-ID as one. SMTP has no way to make it smaller (the
server's 250 and our commit cannot be one act); the lease only makes sure a message is never lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.compose import mime
from notifications.domain.delivery import LEASE, Channel, MessageStatus, backoff, gives_up
from notifications.models import OutboxMessage
from notifications.transports import Outgoing, Refused, Transport, Unreachable

logger = logging.getLogger("estivage.mail")

Clock = Callable[[], datetime]


def sender_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Sender:
    def __init__(
        self,
        sessions: Callable[[], AsyncSession],
        transports: Mapping[str, Transport],
        clock: Clock,
        *,
        name: str | None = None,
        batch: int = 50,
    ) -> None:
        self.sessions = sessions
        self.transports = transports
        self.clock = clock
        self.name = name or sender_name()
        self.batch = batch

    async def claim(self) -> list[uuid.UUID]:
        """Lease up to ``batch`` due messages to this sender (committed before anything is sent)."""
        now = self.clock()
        free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
        channels = list(self.transports)
        async with self.sessions() as session:
            due = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == MessageStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.channel.in_(channels),
                    free,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
                .limit(self.batch)
            )
            if session.bind.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(await session.scalars(due))
            if not ids:
                await session.rollback()
                return []
            taken = await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.PENDING, free)
                .values(
                    claimed_until=now + LEASE,
                    claimed_by=self.name,
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
            claimed = list(taken)
            await session.commit()
            return claimed

    async def _outgoing(self, message_id: uuid.UUID) -> tuple[str, Outgoing]:
        async with self.sessions() as session:
            row = await session.get_one(OutboxMessage, message_id)
            content = row.content
            if content is None and row.channel == Channel.EMAIL:
                content = bytes(
                    mime(
                        row.subject,
                        row.body_text,
                        row.body_html,
                        row.language,
                        recipient=row.recipient,
                        date=row.created_at,
                    )
                )
            elif content is None:  # an SMS: its text
                content = row.body_text.encode()
            outgoing = Outgoing(
                id=str(row.id),
                kind=row.kind,
                recipient=row.recipient,
                content=content,
                stamp=f"{row.created_at:%Y%m%dT%H%M%S}",
            )
            return row.channel, outgoing

    async def _record(self, message_id: uuid.UUID, **values: object) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == self.name)
                .values(claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def send_one(self, message_id: uuid.UUID) -> bool:
        """Send a claimed message; True when it went."""
        channel, outgoing = await self._outgoing(message_id)
        try:
            await self.transports[channel].send(outgoing)
        except Refused as refused:
            logger.warning("message %s refused: %s", message_id, refused)
            await self._record(message_id, status=MessageStatus.FAILED, last_error=str(refused)[:500])
            return False
        except Unreachable as failure:
            await self._retry_later(message_id, str(failure))
            return False
        await self._record(message_id, status=MessageStatus.SENT, sent_at=self.clock(), last_error=None)
        return True

    async def _retry_later(self, message_id: uuid.UUID, why: str) -> None:
        async with self.sessions() as session:
            attempts = await session.scalar(
                select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)
            )
        attempts = attempts or 1
        if gives_up(attempts):
            logger.warning("message %s given up after %d tries: %s", message_id, attempts, why)
            await self._record(message_id, status=MessageStatus.FAILED, last_error=f"gave up: {why}"[:500])
            return
        logger.info("message %s not delivered (try %d), again later: %s", message_id, attempts, why)
        await self._record(message_id, next_attempt_at=self.clock() + backoff(attempts), last_error=why[:500])

    async def deliver_due(self) -> int:
        """Claim and send until nothing is due; how many went. Stops early at the first unreachable
        server (the rest of its batch waits its own back-off instead of hammering it)."""
        sent = 0
        while claimed := await self.claim():
            for message_id in claimed:
                sent += await self.send_one(message_id)
            if len(claimed) < self.batch:
                break
        return sent

    async def run(self, idle_seconds: float = 5.0, stop: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` is set (or the task is cancelled), every ``idle_seconds`` once nothing
        is due (messages committed by any process, retries coming due). ``stop`` ends the loop between
        rounds, never inside one: a round cut off would leave its connection to the pool mid-reset."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                try:
                    await self.deliver_due()
                except Exception:  # a database blip must not stop the mail for good
                    logger.exception("mail delivery round failed")
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
        finally:
            for transport in self.transports.values():
                await transport.close()
