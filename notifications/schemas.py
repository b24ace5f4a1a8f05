"""HTTP shapes of the outbox (staff) and the inbox (members)."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from notifications.models import OutboxMessage


class OutboxMessageOut(msgspec.Struct):
    """A message to a member in the outbox: its kind, channel, recipient, language, subject, status and
    tries."""

    id: uuid.UUID
    kind: str
    channel: str
    recipient: str
    language: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


class InboxMessageOut(msgspec.Struct):
    """A message the member was sent (the same as mailed): its kind, subject, text, language and status."""

    id: uuid.UUID
    kind: str
    subject: str
    body_text: str
    language: str
    status: str
    created_at: datetime


def outbox_out(message: OutboxMessage) -> OutboxMessageOut:
    return OutboxMessageOut(
        id=message.id,
        kind=message.kind,
        channel=message.channel,
        recipient=message.recipient,
        language=message.language,
        subject=message.subject,
        status=message.status,
        attempts=message.attempts,
        created_at=message.created_at,
        next_attempt_at=message.next_attempt_at,
        sent_at=message.sent_at,
        last_error=message.last_error,
    )


def inbox_out(message: OutboxMessage) -> InboxMessageOut:
    return InboxMessageOut(
        id=message.id,
        kind=message.kind,
        subject=message.subject,
        body_text=message.body_text,
        language=message.language,
        status=message.status,
        created_at=message.created_at,
    )
