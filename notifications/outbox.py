"""Writing a message into the outbox, in the caller's transaction: it exists if and only if what it
tells was committed (a rolled-back booking leaves no message to send)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.compose import Letter, render_html, render_text, to_mime
from notifications.domain.delivery import Channel, MessageStatus
from notifications.models import OutboxMessage


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
    content = bytes(to_mime(letter, recipient=recipient, date=now)) if channel == Channel.EMAIL else None
    message = OutboxMessage(
        key=key,
        kind=kind,
        channel=channel,
        user_id=user_id,
        recipient=recipient,
        language=letter.language,
        subject=letter.subject,
        body_text=render_text(letter) if channel == Channel.EMAIL else letter.short,
        body_html=render_html(letter) if channel == Channel.EMAIL else "",
        content=content,
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message
