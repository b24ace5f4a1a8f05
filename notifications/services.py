"""The outbox read by staff (sent, pending, failed, per message; a failed one sent again) and by a
member (their own messages: the inbox, so nothing depends on mail alone)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound
from kernel.uow import use_case
from notifications.domain.delivery import MessageStatus
from notifications.models import OutboxMessage

MAX_PAGE = 200


async def outbox(session: AsyncSession, status: str | None, limit: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(min(limit, MAX_PAGE))
    if status:
        query = query.where(OutboxMessage.status == MessageStatus(status))
    return list(await session.scalars(query))


async def inbox(session: AsyncSession, user_id: int, limit: int) -> list[OutboxMessage]:
    return list(
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user_id)
            .order_by(OutboxMessage.created_at.desc())
            .limit(min(limit, MAX_PAGE))
        )
    )


@use_case
async def resend(session: AsyncSession, message_id: uuid.UUID, now: datetime) -> OutboxMessage:
    """A failed message pending again, due now, its tries counted afresh (staff corrected the address
    or the server); a message not failed is 409."""
    message = await session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, f"no message {message_id}")
    if message.status != MessageStatus.FAILED:
        raise Conflict(ErrorCode.MESSAGE_NOT_FAILED, f"a {message.status} message is not sent again")
    message.status, message.attempts, message.next_attempt_at = MessageStatus.PENDING, 0, now
    message.claimed_until = message.claimed_by = None
    await session.flush()
    return message
