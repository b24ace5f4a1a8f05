"""A member's own data (law 09-08), in the pages: what is held about them, the JSON download, and their
contact details to change (phone and language at once, a new e-mail once the code sent to it is typed
back). The same use cases as ``GET /api/me/data`` and ``/api/me/contact``, ``/api/me/email``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.contact import services as contact
from accounts.domain.identity import Identity
from accounts.guards import requires_member
from estivage.personal_data import everything_about
from estivage.web.account import lang_cookie
from estivage.web.common import Errors, form_errors, language, page
from estivage.web.names import load_names
from kernel.errors import DomainError
from kernel.uow import UnitOfWork

# The sections of the download shown as counts on the page (the download has them whole).
COUNTED = (
    "bookings", "payments", "refunds", "instalments", "passes", "gate_scans", "ratings", "reminders",
    "summer_applications", "email_changes", "staff_actions",
)  # fmt: skip


class MyDataPages(Controller):
    path = "/me"
    guards = [requires_member]
    include_in_schema = False

    async def _page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        errors: Errors | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        held = await everything_about(session, request.user, now)
        return page(
            request,
            "my_data.html",
            status_code=422 if errors else 200,
            contact=await contact.contact_of(session, request.user, now),
            member=held["member"],
            counts={key: len(held[key]) for key in COUNTED},
            bookings=held["bookings"],
            names=await load_names(session, language(request)),
            errors=errors or {},
            values=values or {},
        )

    @get("/data")
    async def read(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._page(request, db_session, now)

    @post("/contact", status_code=303)
    async def change_contact(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        phone, lang = str(form.get("phone") or ""), str(form.get("language") or "")
        try:
            await contact.change_contact(uow, request.user, phone, lang or None, now)
        except DomainError as error:
            values = {"phone": phone}
            return await self._page(request, db_session, now, form_errors(request, error), values)
        cookies = [lang_cookie(request, lang)] if lang in ("fr", "ar") else []
        return Redirect("/me/data#contact", status_code=303, cookies=cookies)

    @post("/email", status_code=303)
    async def start_email_change(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        address = str((await request.form()).get("email") or "")
        try:
            await contact.start_email_change(uow, request.user, address, now)
        except DomainError as error:
            errors = {"email": next(iter(form_errors(request, error).values()))}
            return await self._page(request, db_session, now, errors, {"email": address})
        return Redirect("/me/data#email", status_code=303)

    @post("/email/confirm", status_code=303)
    async def confirm_email_change(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        code = str((await request.form()).get("code") or "")
        try:
            await contact.confirm_email_change(uow, request.user, code, now)
        except DomainError as error:
            errors = {"code": next(iter(form_errors(request, error).values()))}
            return await self._page(request, db_session, now, errors)
        return Redirect("/me/data#email", status_code=303)
