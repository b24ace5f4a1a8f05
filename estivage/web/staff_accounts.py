"""Head office's pages for staff accounts: the managers and staff, a new account (its activation code goes
by mail), and one account's role, centres and access. The same use cases as /api/users
(``accounts.staff.services``); a change holds on that account's very next request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from accounts.staff import services
from accounts.staff.commands import AccountChange, NewAccount
from estivage.web.common import language, page
from estivage.web.flash import say
from estivage.web.forms import form_problems
from inventory.models import Centre
from kernel.errors import DomainError
from kernel.i18n import N_
from kernel.uow import UnitOfWork

NEW_FIELDS = ("username", "display_name", "email", "role", "centres")
CHANGE_FIELDS = ("role", "centres", "disabled")
# Shown once after each save (estivage.web.flash), not by a query parameter a reload would show again.
CREATED = N_("Account %(username)s created: its activation code has gone by mail.")
SAVED = N_("Saved: it holds from this account's next request.")


async def _centres(session: AsyncSession) -> list[Centre]:
    return list(await session.scalars(select(Centre).order_by(Centre.name_fr)))


class StaffAccountPages(Controller):
    path = "/staff/accounts"
    guards = [requires_staff]
    include_in_schema = False

    async def _list(
        self, request: Request[Identity, Any, Any], session: AsyncSession, **values: Any
    ) -> Template:
        return page(
            request,
            "staff_accounts.html",
            status_code=422 if values.get("errors") else 200,
            accounts=await services.list_accounts(session),
            centres=await _centres(session),
            **{"form": dict.fromkeys(NEW_FIELDS, ""), **values},
        )

    @get("/")
    async def accounts(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._list(request, db_session)

    @post("/")
    async def create(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        typed = {k: str(form.get(k) or "").strip() for k in NEW_FIELDS if k != "centres"}
        chosen = [str(c) for c in form.getall("centres", [])]
        lang = language(request)
        try:
            command = msgspec.convert(
                {**typed, "username": typed["username"].lower(), "centres": chosen}, NewAccount
            )
            account = await services.create_account(uow, request.user, command, now, lang)
        except (ValueError, DomainError) as problem:
            errors = form_problems(problem, lang, NEW_FIELDS)
            return await self._list(request, db_session, errors=errors, form={**typed, "centres": chosen})
        say(request, CREATED, username=account.username)
        return Redirect("/staff/accounts", status_code=303)

    async def _one(
        self, request: Request[Identity, Any, Any], session: AsyncSession, username: str, **values: Any
    ) -> Template:
        return page(
            request,
            "staff_account.html",
            status_code=422 if values.get("errors") else 200,
            account=await services.get_account(session, username),
            centres=await _centres(session),
            **values,
        )

    @get("/{username:str}")
    async def account(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        username: FromPath[str],
    ) -> Template:
        return await self._one(request, db_session, username)

    @post("/{username:str}")
    async def change(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        username: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        values = {
            "role": str(form.get("role") or ""),
            "centres": [str(c) for c in form.getall("centres", [])],
            "disabled": form.get("disabled") == "on",
        }
        try:
            change = msgspec.convert(values, AccountChange)
            await services.change_account(uow, request.user, username, change, now)
        except (ValueError, DomainError) as problem:
            errors = form_problems(problem, language(request), CHANGE_FIELDS)
            return await self._one(request, db_session, username, errors=errors)
        say(request, SAVED)
        return Redirect(f"/staff/accounts/{username}", status_code=303)
