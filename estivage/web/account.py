"""Logging in and out with a cookie session over the API's identities, and the language switch."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.security.jwt import JWTCookieAuth
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import services as accounts
from accounts.controllers import login_rate_limit
from accounts.domain.identity import MANAGER, MEMBER, STAFF, Identity
from accounts.models import Member
from accounts.services import BadCredentials, authenticate
from accounts.tokens import SESSION_COOKIE
from estivage.web.common import (
    LANG_COOKIE,
    YEAR_SECONDS,
    current_user,
    language,
    page,
    safe_next,
)
from kernel.i18n import LOCALES, translator
from kernel.uow import UnitOfWork

HOME: dict[str, str] = {MEMBER: "/search", MANAGER: "/manage", STAFF: "/staff"}


def lang_cookie(request: Request[Any, Any, Any], lang: str) -> Cookie:
    return Cookie(
        key=LANG_COOKIE,
        value=lang,
        max_age=YEAR_SECONDS,
        path="/",
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def make_account_controller(
    jwt: JWTCookieAuth[Identity], token_minutes: int, attempts: int
) -> type[Controller]:
    limiter = login_rate_limit(attempts)

    class AccountPages(Controller):
        path = "/"
        include_in_schema = False

        @get("/")
        async def home(self, request: Request[Identity, Any, Any]) -> Redirect:
            return Redirect(HOME.get(request.user.role, "/login"), status_code=303)

        @get("/login", exclude_from_auth=True)
        async def login_form(
            self,
            request: Request[Any, Any, Any],
            next_path: Annotated[str | None, QueryParameter(name="next")] = None,
            lang: Annotated[str | None, QueryParameter(name="lang")] = None,
        ) -> Template:
            """`?lang=ar` switches the language before logging in (remembered in a cookie)."""
            chosen = lang if lang in LOCALES else None
            response = page(request, "login.html", in_language=chosen, next=safe_next(next_path, ""))
            if chosen:
                response.cookies.append(lang_cookie(request, chosen))
            return response

        @post("/login", exclude_from_auth=True, middleware=[limiter.middleware], status_code=303)
        async def login(
            self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
        ) -> Response[Any]:
            form = await request.form()
            username = str(form.get("username") or "").strip()
            next_path = safe_next(str(form.get("next") or ""), "")
            try:
                identity = await authenticate(db_session, username, str(form.get("password") or ""))
            except BadCredentials:
                message = translator(language(request)).gettext("Wrong username or password")
                return page(
                    request,
                    "login.html",
                    status_code=401,
                    next=next_path,
                    username=username,
                    errors={"password": message},
                )
            token = jwt.create_token(identifier=str(identity.user_id), token_extras=identity.token_extras())
            cookies = [
                Cookie(
                    key=SESSION_COOKIE,
                    value=f"Bearer {token}",
                    max_age=token_minutes * 60,
                    path="/",
                    httponly=True,
                    samesite="lax",
                    secure=request.url.scheme == "https",
                )
            ]
            member = await db_session.get(Member, identity.user_id)
            if member is not None:  # the member's own language wins on every device
                cookies.append(lang_cookie(request, member.preferred_language))
            return Redirect(next_path or HOME[identity.role], status_code=303, cookies=cookies)

        @post("/logout", status_code=303)
        async def logout(self) -> Response[Any]:
            response = Redirect("/login", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response

        @post("/lang", status_code=303)
        async def switch_language(
            self, request: Request[Identity, Any, Any], uow: NamedDependency[UnitOfWork]
        ) -> Response[Any]:
            """Remembered on the member (every device) and in a cookie (this browser)."""
            form = await request.form()
            lang = str(form.get("lang") or "")
            if lang not in LOCALES:
                lang = language(request)
            user = current_user(request)
            if user is not None and user.role == MEMBER:
                await accounts.set_language(uow, user.user_id, lang)
            target = safe_next(str(form.get("next") or ""), "/")
            return Redirect(target, status_code=303, cookies=[lang_cookie(request, lang)])

    return AccountPages
