"""Server-rendered pages (Jinja + HTMX) over the same services as the JSON API.

`web_handlers` gives the app its page routes and the static files; `csrf_middleware` protects every
change that the browser's session cookie would authenticate (see ``SessionCSRFMiddleware``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.security.jwt import JWTCookieAuth
from litestar.static_files import create_static_files_router
from litestar.types import Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.domain.identity import Identity
from accounts.tokens import SESSION_COOKIE
from estivage.web.account import make_account_controller
from estivage.web.account_codes import make_code_pages
from estivage.web.audit_pages import AuditPages
from estivage.web.common import HERE, PAGE_EXCEPTION_HANDLERS
from estivage.web.desk_pages import DeskPages
from estivage.web.manager import make_manager_pages
from estivage.web.member import MemberPages
from estivage.web.messages import InboxPages, StaffOutboxPages
from estivage.web.my_data import MyDataPages
from estivage.web.offline import GatePages, service_worker
from estivage.web.paycmi import CmiPages, CmiReturnPages
from estivage.web.paytest import TestModeController
from estivage.web.places import PlacePages
from estivage.web.profile import make_profile_pages
from estivage.web.staff import StaffPages
from estivage.web.staff_accounts import StaffAccountPages
from estivage.web.staff_campaigns import StaffCampaignPages
from estivage.web.staff_end_early import StaffEndEarlyPages
from estivage.web.staff_members import StaffMemberPages
from estivage.web.staff_payroll import StaffPayrollPages
from estivage.web.staff_roster import StaffRosterPages
from estivage.web.summer import SummerPages
from estivage.web.templating import template_config
from kernel.settings import Settings
from payments.providers import Providers

__all__ = ["csrf_middleware", "template_config", "web_handlers"]


def csrf_middleware(secret: str) -> DefineMiddleware:
    config = CSRFConfig(
        secret=hashlib.sha256(b"estivage-csrf:" + secret.encode()).hexdigest(),
        cookie_name="estivage_csrf",
        cookie_httponly=True,
        # CMI sends the browser back to these with a cross-site POST that carries no token (and no
        # session cookie): they change nothing, only redirect (estivage/web/paycmi.py).
        exclude=["^/schema(/|$)", "^/health$", "^/ready$", "^/metrics$", "^/payments/cmi/(ok|fail)$"],
    )
    return DefineMiddleware(SessionCSRFMiddleware, config=config)


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, for the requests a browser's ambient cookie would authenticate.

    Another site can make a browser send the session cookie, never an ``Authorization`` header; so a
    request carrying its own credentials (the mobile app, a gate, a script) is not asked for the token,
    and neither is a JSON API call that carries no session cookie (logging in, a webhook): nothing rides
    on it. A page's form, or an API call made with the session cookie alone, must carry the page's token
    (a form field, or the ``X-CSRFToken`` header), whatever its content type.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not _rides_on_the_cookie(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _rides_on_the_cookie(scope: Scope) -> bool:
    headers = dict(scope.get("headers", ()))
    if headers.get(b"authorization", b"").lower().startswith(b"bearer "):
        return False
    if scope["path"].startswith("/api/"):
        return _SESSION_IN_COOKIES.search(headers.get(b"cookie", b"")) is not None
    return True


_SESSION_IN_COOKIES = re.compile(rb"(?:^|;)\s*" + re.escape(SESSION_COOKIE.encode()) + rb"=")


def web_handlers(
    jwt: JWTCookieAuth[Identity], settings: Settings, engine: AsyncEngine, providers: Providers
) -> list[Any]:
    """The pages; the test mode's payment page only in test mode, CMI's only with CMI."""
    payment_pages: list[Any] = [TestModeController] if providers.test_mode else []
    if providers.cmi is not None:
        payment_pages += [CmiPages, CmiReturnPages]
    pages = Router(
        path="/",
        route_handlers=[
            *payment_pages,
            make_account_controller(jwt, settings),
            make_code_pages(jwt, settings),
            make_profile_pages(jwt, settings),
            MemberPages,
            PlacePages,
            GatePages,
            service_worker,
            MyDataPages,
            InboxPages,
            SummerPages,
            make_manager_pages(engine),
            DeskPages,
            StaffPages,
            StaffMemberPages,
            StaffEndEarlyPages,
            StaffCampaignPages,
            StaffAccountPages,
            StaffOutboxPages,
            StaffPayrollPages,
            StaffRosterPages,
            AuditPages,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600),
    )
    return [pages, static]
