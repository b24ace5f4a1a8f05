"""Writing a message into the outbox, in the caller's transaction: it exists if and only if what it
tells was committed (a rolled-back booking leaves no message to send)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.compose import Letter, render_html, render_text, to_mime
from notifications.domain.delivery import Channel, MessageStatus
from notifications.models import OutboxMessage

_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Queued:
    """One message to write: ``key`` says what caused it, once."""

    key: str
    kind: str
    user_id: int | None
    recipient: str
    letter: Letter
    channel: Channel = Channel.EMAIL


def _values(item: Queued, now: datetime) -> dict[str, Any]:
    """The row of a message. A mail with attachments is stored whole; one without is stored as its subject
    and bodies, and made into a MIME message by the sender (``compose.mime``): building MIME costs
    milliseconds a message, which a draw telling 20,000 applicants must not spend in its transaction."""
    letter, email = item.letter, item.channel == Channel.EMAIL
    return {
        "id": uuid.uuid4(),
        "key": item.key,
        "kind": item.kind,
        "channel": item.channel,
        "user_id": item.user_id,
        "recipient": item.recipient,
        "language": letter.language,
        "subject": letter.subject,
        "body_text": render_text(letter) if email else letter.short,
        "body_html": render_html(letter) if email else "",
        "content": (
            bytes(to_mime(letter, recipient=item.recipient, date=now))
            if email and letter.attachments
            else None
        ),
        "status": MessageStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    user_id: int | None,
    recipient: str,
    letter: Letter,
    now: datetime,
    channel: Channel = Channel.EMAIL,
) -> OutboxMessage | None:
    """The message, once per ``key``: an event handled twice (a job run again) writes nothing new."""
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(**_values(Queued(key, kind, user_id, recipient, letter, channel), now))
    session.add(message)
    await session.flush()
    return message


async def enqueue_all(session: AsyncSession, items: Sequence[Queued], now: datetime) -> int:
    """``enqueue`` for many messages at once (a summer draw tells every applicant): keys already written
    are skipped; how many were written."""
    keys = [item.key for item in items]
    written: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        written.update(
            await session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start : start + _CHUNK]))
            )
        )
    fresh = []
    for item in items:
        if item.key not in written:
            written.add(item.key)
            fresh.append(_values(item, now))
    for start in range(0, len(fresh), _CHUNK):  # rows, not objects: thousands at a time
        await session.execute(insert(OutboxMessage), fresh[start : start + _CHUNK])
    return len(fresh)
