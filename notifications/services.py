"""The outbox read by staff (sent, pending, failed, per message; a failed one sent again) and by a
member (their own messages: the inbox, so nothing depends on mail alone)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound
from kernel.uow import use_case
from notifications.domain.delivery import MessageStatus
from notifications.models import OutboxMessage

MAX_PAGE = 200


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def outbox(
    session: AsyncSession,
    status: str | None,
    limit: int,
    recipient: str = "",
    before: uuid.UUID | None = None,
) -> list[OutboxMessage]:
    """The newest messages first, at most ``limit``: of a ``status``; to a ``recipient`` (part of the
    address, any case, or the account's username: a member number); older than the message ``before``
    (a keyset page: the same page whatever arrives meanwhile; an unknown message is 404)."""
    order = (OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    query = select(OutboxMessage).order_by(*order).limit(min(limit, MAX_PAGE))
    if status:
        query = query.where(OutboxMessage.status == MessageStatus(status))
    if wanted := recipient.strip().lower():
        named = select(User.id).where(func.lower(User.username) == wanted)
        query = query.where(
            or_(
                func.lower(OutboxMessage.recipient).like(f"%{_escaped(wanted)}%", escape="\\"),
                OutboxMessage.user_id.in_(named),
            )
        )
    if before is not None:
        last = await session.get(OutboxMessage, before)
        if last is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, f"no message {before}", "before")
        query = query.where(
            or_(
                OutboxMessage.created_at < last.created_at,
                and_(OutboxMessage.created_at == last.created_at, OutboxMessage.id < last.id),
            )
        )
    return list(await session.scalars(query))


async def counts(session: AsyncSession) -> dict[str, int]:
    """How many messages are in each state (every state named, 0 when none)."""
    rows = await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {str(status): 0 for status in MessageStatus} | {str(s): int(n) for s, n in rows.tuples()}


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
