"""The profile page of head-office staff and centre managers (``/account``): who they are, the pages'
language, and a new password given the current one. A member's profile is ``/me`` (their roster facts,
contact and e-mail by code).

The language of staff and managers is the browser's (the language cookie, through ``POST /lang``): their
accounts hold no language of their own. A new password ends every session of the account (another device
is signed out on its next request) and signs this browser in again with fresh cookies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.security.jwt import JWTCookieAuth
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.controllers import client_address, login_limits
from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff
from accounts.login import change_password
from accounts.models import User
from accounts.services import BadCredentials
from estivage.web.account import session_cookies
from estivage.web.account_codes import PASSWORDS_DIFFER
from estivage.web.common import Errors, form_errors, language, page
from estivage.web.flash import say
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.settings import Settings
from kernel.uow import UnitOfWork

PASSWORD_MAX = 1024  # read at most this much of a typed password (the rule itself: new_password)
WRONG_CURRENT = N_("This is not your current password.")
PASSWORD_CHANGED = N_("Password changed: your other sessions are closed.")


def make_profile_pages(jwt: JWTCookieAuth[Identity], settings: Settings) -> type[Controller]:
    class ProfilePages(Controller):
        path = "/account"
        guards = [requires_manager_or_staff]
        include_in_schema = False

        async def _page(
            self, request: Request[Identity, Any, Any], session: AsyncSession, errors: Errors | None = None
        ) -> Template:
            account = await session.get(User, request.user.user_id)
            return page(
                request,
                "profile.html",
                status_code=422 if errors else 200,
                email=account.email if account is not None else "",
                errors=errors or {},
            )

        @get("/")
        async def profile(
            self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
        ) -> Template:
            return await self._page(request, db_session)

        @post("/password", status_code=303)
        async def new_password(
            self,
            request: Request[Identity, Any, Any],
            db_session: NamedDependency[AsyncSession],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> Response[Any]:
            form = await request.form()
            current = str(form.get("current") or "")[:PASSWORD_MAX]
            chosen = str(form.get("password") or "")[:PASSWORD_MAX]
            t = translator(language(request))
            if chosen != str(form.get("password_confirm") or "")[:PASSWORD_MAX]:
                return await self._page(
                    request, db_session, {"password_confirm": t.gettext(PASSWORDS_DIFFER)}
                )
            try:
                issued = await change_password(
                    uow,
                    login_limits(request, settings),
                    request.user.user_id,
                    current,
                    chosen,
                    client_address(request),
                    now,
                    settings.refresh_days,
                )
            except BadCredentials:
                return await self._page(request, db_session, {"current": t.gettext(WRONG_CURRENT)})
            except DomainError as refused:  # too short, too long; too many wrong tries (429's words)
                return await self._page(request, db_session, form_errors(request, refused))
            say(request, PASSWORD_CHANGED)
            cookies = session_cookies(request, jwt, issued, settings, now)
            return Redirect("/account", status_code=303, cookies=cookies)

    return ProfilePages
