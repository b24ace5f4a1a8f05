"""Logging in and out with a cookie session over the API's identities, and the language switch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.security.jwt import JWTCookieAuth

from accounts import services as accounts
from accounts import sessions
from accounts.controllers import access_token, client_address, login_limits
from accounts.domain.identity import MANAGER, MEMBER, STAFF, Identity
from accounts.domain.sessions import RefreshRefused, parse_refresh
from accounts.login import log_in
from accounts.models import Member
from accounts.services import BadCredentials
from accounts.sessions import Issued
from accounts.tokens import REFRESH_COOKIE, SESSION_COOKIE
from estivage.web.common import (
    LANG_COOKIE,
    YEAR_SECONDS,
    current_user,
    language,
    page,
    safe_next,
)
from kernel.errors import RateLimited
from kernel.i18n import LOCALES, translator
from kernel.settings import Settings
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


def session_cookies(
    request: Request[Any, Any, Any],
    jwt: JWTCookieAuth[Identity],
    issued: Issued,
    settings: Settings,
    now: datetime,
) -> list[Cookie]:
    """The short access token, and the refresh token that renews it (``/session/refresh``)."""
    secure = request.url.scheme == "https"
    refresh_seconds = max(0, int((issued.refresh_expires_at - now).total_seconds()))
    return [
        Cookie(
            key=SESSION_COOKIE,
            value=f"Bearer {access_token(jwt, issued)}",
            max_age=settings.token_minutes * 60,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        ),
        Cookie(
            key=REFRESH_COOKIE,
            value=str(issued.refresh),
            max_age=refresh_seconds,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        ),
    ]


def signed_out(target: str) -> Redirect:
    response = Redirect(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/")
    return response


def make_account_controller(jwt: JWTCookieAuth[Identity], settings: Settings) -> type[Controller]:
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

        @post("/login", exclude_from_auth=True, status_code=303)
        async def login(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> Response[Any]:
            form = await request.form()
            username = str(form.get("username") or "").strip()[:200]
            next_path = safe_next(str(form.get("next") or ""), "")
            t = translator(language(request))
            try:
                issued = await log_in(
                    uow,
                    login_limits(request, settings),
                    username,
                    str(form.get("password") or "")[:1024],
                    client_address(request),
                    now,
                    settings.refresh_days,
                )
            except (BadCredentials, RateLimited) as refused:
                limited = isinstance(refused, RateLimited)
                minutes = int(refused.params.get("minutes", 1)) if limited else 0
                message = (
                    t.ngettext(
                        "Too many failed logins. Try again in %(num)s minute.",
                        "Too many failed logins. Try again in %(num)s minutes.",
                        minutes,
                    )
                    if limited
                    else t.gettext("Wrong username or password")
                )
                return page(
                    request,
                    "login.html",
                    status_code=429 if limited else 401,
                    next=next_path,
                    username=username,
                    errors={"password": message},
                )
            cookies = session_cookies(request, jwt, issued, settings, now)
            member = await uow.session.get(Member, issued.identity.user_id)
            if member is not None:  # the member's own language wins on every device
                cookies.append(lang_cookie(request, member.preferred_language))
            return Redirect(next_path or HOME[issued.identity.role], status_code=303, cookies=cookies)

        @get("/session/refresh", exclude_from_auth=True)
        async def refresh(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
            next_path: Annotated[str | None, QueryParameter(name="next")] = None,
        ) -> Response[Any]:
            """The access cookie has expired: the refresh cookie renews both, then back to the page; a
            refused one (ended, spent, expired) goes to the login page."""
            target = safe_next(next_path, "/")
            try:
                issued = await sessions.refresh(
                    uow, request.cookies.get(REFRESH_COOKIE, ""), now, settings.refresh_days
                )
            except RefreshRefused:
                return signed_out("/login?next=" + quote(target, safe=""))
            return Redirect(
                target, status_code=303, cookies=session_cookies(request, jwt, issued, settings, now)
            )

        @post("/logout", exclude_from_auth=True, status_code=303)
        async def logout(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> Response[Any]:
            """The session ends (its access and refresh tokens are refused from now on); the cookies go."""
            try:
                sid = parse_refresh(request.cookies.get(REFRESH_COOKIE, "")).sid
            except RefreshRefused:
                sid = None
            await sessions.sign_out(uow, None, sid, now)
            return signed_out("/login")

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
