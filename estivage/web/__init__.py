"""Server-rendered pages (Jinja + HTMX) over the same services as the JSON API.

`web_handlers` gives the app its page routes and the static files; `csrf_config` protects the pages'
form posts (the JSON API under /api is excluded: it authenticates with bearer tokens or the SameSite
session cookie and takes JSON, not forms).
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.security.jwt import JWTCookieAuth
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.domain.identity import Identity
from estivage.web.account import make_account_controller
from estivage.web.common import HERE, PAGE_EXCEPTION_HANDLERS
from estivage.web.manager import make_manager_pages
from estivage.web.member import MemberPages
from estivage.web.staff import StaffPages
from estivage.web.summer import SummerPages
from estivage.web.templating import template_config
from kernel.settings import Settings

__all__ = ["csrf_config", "template_config", "web_handlers"]


def csrf_config(secret: str) -> CSRFConfig:
    return CSRFConfig(
        secret=hashlib.sha256(b"estivage-csrf:" + secret.encode()).hexdigest(),
        cookie_name="estivage_csrf",
        cookie_httponly=True,
        exclude=["^/api/", "^/payments/test/", "^/schema", "^/health", "^/ready"],
    )


def web_handlers(jwt: JWTCookieAuth[Identity], settings: Settings, engine: AsyncEngine) -> list[Any]:
    pages = Router(
        path="/",
        route_handlers=[
            make_account_controller(jwt, settings.token_minutes, settings.login_attempts_per_minute),
            MemberPages,
            SummerPages,
            make_manager_pages(engine),
            StaffPages,
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
