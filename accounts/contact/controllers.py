"""HTTP for a member's contact details: phone and language at once, the e-mail through a code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.contact import schemas as s
from accounts.contact import services
from accounts.domain.identity import Identity
from accounts.guards import requires_member
from kernel.uow import UnitOfWork


def contact_out(contact: services.Contact) -> s.ContactOut:
    return s.ContactOut(
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        pending_email=contact.pending_email,
        pending_until=contact.pending_until,
    )


class ContactController(Controller):
    path = "/api/me"
    tags = ["accounts"]
    guards = [requires_member]

    @get("/contact", summary="My contact details")
    async def read(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> s.ContactOut:
        """Members only: the e-mail, phone and language on record, and a new address waiting for its code."""
        return contact_out(await services.contact_of(db_session, request.user, now))

    @patch("/contact", summary="Change my phone or my language")
    async def change(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[s.ContactPatch],
    ) -> s.ContactOut:
        """Members only. A field left out is unchanged; the e-mail changes through POST /api/me/email."""
        contact = await services.change_contact(uow, request.user, data.phone, data.language, now)
        return contact_out(contact)

    @post(
        "/email",
        status_code=202,
        summary="Change my e-mail address: a one-time code goes to the new address",
        description="The address on record stays until the code comes back (POST /api/me/email/confirm).",
    )
    async def start_email_change(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[s.EmailChangeIn],
    ) -> s.ContactOut:
        return contact_out(await services.start_email_change(uow, request.user, data.email, now))

    @post(
        "/email/confirm",
        status_code=200,
        summary="Confirm my new e-mail address with the code sent to it",
        description="400 for a wrong, used or expired code; after 5 wrong tries the code is dead.",
    )
    async def confirm_email_change(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[s.EmailCodeIn],
    ) -> s.ContactOut:
        return contact_out(await services.confirm_email_change(uow, request.user, data.code, now))
