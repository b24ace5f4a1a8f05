"""HTTP for staff accounts (head office only): /api/users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from accounts.staff import services
from accounts.staff.commands import AccountChange, NewAccount
from accounts.staff.schemas import AccountOut
from kernel.http.schemas import language_of
from kernel.uow import UnitOfWork


def account_out(account: services.StaffAccount) -> AccountOut:
    return AccountOut(
        username=account.username,
        role=account.role,
        email=account.email,
        display_name=account.display_name,
        centres=list(account.centres),
        disabled=account.disabled,
        activated=account.activated,
    )


class StaffAccountController(Controller):
    path = "/api/users"
    tags = ["accounts"]
    guards = [requires_staff]

    @get("/", summary="Managers' and staff accounts")
    async def list_accounts(self, db_session: NamedDependency[AsyncSession]) -> list[AccountOut]:
        """Staff only: every manager and staff account, with its centres and state."""
        return [account_out(a) for a in await services.list_accounts(db_session)]

    @get("/{username:str}", summary="One manager's or staff account")
    async def read(self, db_session: NamedDependency[AsyncSession], username: FromPath[str]) -> AccountOut:
        """Staff only; 404 for a username that is not a manager's or staff account."""
        return account_out(await services.get_account(db_session, username))

    @post(
        "/",
        status_code=201,
        summary="Create a manager or staff account",
        description="The account has no password: a code to activate it goes by mail to `email` "
        "(POST /api/auth/activate). 409 for a username taken; 422 for an unknown centre, a manager "
        "without a centre or a bad address.",
    )
    async def create(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[NewAccount],
    ) -> AccountOut:
        account = await services.create_account(uow, request.user, data, now, language_of(request))
        return account_out(account)

    @patch(
        "/{username:str}",
        summary="Change an account's role or centres, or disable it",
        description="Takes effect on that account's very next request, not at its next login; "
        "disabling ends its sessions. 409 for one's own account's role or disabling.",
    )
    async def change(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        username: FromPath[str],
        data: JSONBody[AccountChange],
    ) -> AccountOut:
        return account_out(await services.change_account(uow, request.user, username, data, now))
