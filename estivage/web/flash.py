"""The confirmation a page shows once after a save ("Application saved.", "Tariff saved."): Litestar's flash
plugin over a session kept in an encrypted cookie.

Why a cookie and not the server-side store: the cookie backend writes nothing when the session is empty,
so only the one answer that follows a save carries it (a 303 sets it, the page it leads to reads and
clears it); a server-side session would write the store and set a cookie on every request, API calls
included. The cookie holds nothing but the message (AES-GCM, keyed from the app's secret), lives ten
minutes and is skipped under ``/api`` and for static files.

`say` is what a page calls before its redirect; the words are translated there, in the page's language
(the next page is the same visitor's). ``_flash.html`` in ``base.html`` shows and consumes them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.flash import FlashConfig, FlashPlugin, flash
from litestar.template import TemplateConfig

from estivage.web.common import language
from kernel.i18n import translator

FLASH_COOKIE = "estivage_flashes"  # not "estivage_flash": another branch names its own cookie so
FLASH_SECONDS = 600
SUCCESS = "success"


def flash_session(secret: str) -> DefineMiddleware:
    """The session middleware the flash plugin needs, for the pages only."""
    return CookieBackendConfig(
        secret=hashlib.sha256(b"estivage-flash:" + secret.encode()).digest(),
        key=FLASH_COOKIE,
        max_age=FLASH_SECONDS,
        httponly=True,
        samesite="lax",
        exclude=["^/api/", "^/static/", "^/schema", "^/health$", "^/ready$", "^/metrics$"],
    ).middleware


def flash_plugin(templates: TemplateConfig[Any]) -> FlashPlugin:
    return FlashPlugin(FlashConfig(template_config=templates))


def say(request: Request[Any, Any, Any], message: str, **values: Any) -> None:
    """Show `message` (an English msgid, marked with ``N_``) once on the next page, translated."""
    flash(request, translator(language(request)).gettext(message, **values), SUCCESS)
