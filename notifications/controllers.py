"""The outbox for staff, the inbox for members: thin handlers over ``notifications.services``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member, requires_staff
from kernel.uow import UnitOfWork
from notifications import services
from notifications.schemas import InboxMessageOut, OutboxMessageOut, inbox_out, outbox_out


class OutboxController(Controller):
    path = "/api/outbox"
    tags = ["notifications"]
    guards = [requires_staff]

    @get("/", summary="Messages to members, newest first: sent, pending or failed, each with its tries")
    async def read(
        self,
        db_session: NamedDependency[AsyncSession],
        status: Annotated[Literal["pending", "sent", "failed"] | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 50,
        recipient: Annotated[str, QueryParameter(max_length=200)] = "",
        before: Annotated[uuid.UUID | None, QueryParameter()] = None,
    ) -> list[OutboxMessageOut]:
        """Staff only. Filter by status and by recipient (part of the address, or the account's username);
        at most `limit`, newest first; `before` (a message's id) gives the page of older messages (404 for
        an unknown message)."""
        messages = await services.outbox(db_session, status, limit, recipient, before)
        return [outbox_out(m) for m in messages]

    @post("/{message_id:uuid}/resend", status_code=200, summary="A failed message sent again (409 otherwise)")
    async def resend(
        self,
        message_id: FromPath[uuid.UUID],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> OutboxMessageOut:
        """Staff only. 404 for an unknown message; 409 unless it failed."""
        return outbox_out(await services.resend(uow, message_id, now))


class InboxController(Controller):
    path = "/api/me/messages"
    tags = ["notifications"]
    guards = [requires_member]

    @get("/", summary="The member's own messages (the same as mailed), newest first")
    async def read(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 50,
    ) -> list[InboxMessageOut]:
        """Members only: their own messages, as they were mailed."""
        return [inbox_out(m) for m in await services.inbox(db_session, request.user.user_id, limit)]
