"""The mail outbox in the pages: head office's view of every message (sent, waiting, failed; a failed one
sent again) and a member's inbox (their own messages, so nothing depends on mail alone). The same
service functions as ``/api/outbox`` and ``/api/me/messages`` (``notifications.services``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member, requires_staff
from estivage.problems import status_of
from estivage.web.common import language, page
from estivage.web.error_words import error_text
from estivage.web.flash import say
from kernel.codes import ErrorCode
from kernel.errors import DomainError, NotFound
from kernel.i18n import N_, translator
from kernel.uow import UnitOfWork
from notifications import services
from notifications.domain.delivery import MessageStatus

STATUS = {
    MessageStatus.PENDING: N_("Waiting to be sent"),
    MessageStatus.SENT: N_("Sent"),
    MessageStatus.FAILED: N_("Failed"),
}
KIND = {
    "booking_confirmed": N_("Stay confirmed"),
    "booking_cancelled": N_("Stay cancelled"),
    "stay_ended_early": N_("Stay ended early"),
    "hold_lost": N_("Hold lost"),
    "pass_reissued": N_("Pass issued again"),
    "summer_result": N_("Summer draw result"),
    "summer_offer": N_("Summer offer"),
    "summer_reminder": N_("Summer offer: reminder"),
    "summer_lapsed": N_("Summer offer lapsed"),
    "code_email_change": N_("Code: new e-mail address"),
    "code_activation": N_("Code: activation"),
    "code_reset": N_("Code: new password"),
}
RESENT = N_("The message will be sent again in a moment.")  # shown once (estivage.web.flash)
# The badge class of each state (the stylesheet's colours for a booking's states).
BADGE = {MessageStatus.PENDING: "held", MessageStatus.SENT: "confirmed", MessageStatus.FAILED: "cancelled"}


def _words(lang: str) -> dict[str, dict[str, str]]:
    t = translator(lang)
    return {
        "status": {code: t.gettext(words) for code, words in STATUS.items()},
        "kind": {code: t.gettext(words) for code, words in KIND.items()},
    }


PAGE_SIZE = 50  # messages a page shows; "Older messages" pages on by keyset
MAX_RECIPIENT = 200  # notifications.models.OutboxMessage.recipient


def _message_id(request: Request[Identity, Any, Any]) -> uuid.UUID | None:
    """``?before=``: the last message of the page before (an id that is none is an unknown message)."""
    value = request.query_params.get("before")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "before is not a message id", "before") from None


def _state(value: str | None) -> MessageStatus | None:
    try:
        return MessageStatus(value) if value else None
    except ValueError:
        return None


class StaffOutboxPages(Controller):
    path = "/staff/outbox"
    guards = [requires_staff]
    include_in_schema = False

    async def _list(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        status_code: int = 200,
        **values: Any,
    ) -> Template:
        state = _state(request.query_params.get("status"))
        recipient = str(request.query_params.get("to") or "")[:MAX_RECIPIENT]
        # One more than shown: whether an older page exists.
        messages = await services.outbox(session, state, PAGE_SIZE + 1, recipient, _message_id(request))
        filters = {k: v for k, v in {"status": state or "", "to": recipient}.items() if v}
        older = None
        if len(messages) > PAGE_SIZE:
            messages = messages[:PAGE_SIZE]
            older = urlencode(filters | {"before": str(messages[-1].id)})
        return page(
            request,
            "staff_outbox.html",
            status_code=status_code,
            messages=messages,
            counts=await services.counts(session),
            state=state or "",
            recipient=recipient,
            states=list(MessageStatus),
            badge=BADGE,
            words=_words(language(request)),
            older=older,
            filters=urlencode(filters),
            newest=urlencode(filters) if "before" in request.query_params else None,
            **values,
        )

    @get("/")
    async def outbox(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._list(request, db_session)

    @post("/{message_id:uuid}/resend")
    async def resend(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        message_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        try:
            await services.resend(uow, message_id, now)
        except DomainError as problem:
            error = error_text(language(request), problem)
            return await self._list(request, db_session, status_of(problem), error=error)
        say(request, RESENT)
        query: dict[str, str] = {}
        state = _state(request.query_params.get("status"))
        if state:
            query["status"] = state
        if recipient := request.query_params.get("to"):
            query["to"] = str(recipient)[:MAX_RECIPIENT]
        return Redirect(f"/staff/outbox?{urlencode(query)}" if query else "/staff/outbox", status_code=303)


class InboxPages(Controller):
    path = "/me/messages"
    guards = [requires_member]
    include_in_schema = False

    @get("/")
    async def inbox(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return page(
            request,
            "inbox.html",
            messages=await services.inbox(db_session, request.user.user_id, services.MAX_PAGE),
            badge=BADGE,
            words=_words(language(request)),
        )
