"""What every page shares: the language, the template context, form errors, and the pages' error handling.
The words and formats are ``kernel.i18n``'s, put into the templates by ``estivage.web.templating``.

Pages call the same service functions as the JSON API. A domain error on a form is shown next to the
field it names (``DomainError.field``); anything else becomes a page with the right status, never a 500.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from accounts.domain.identity import Identity
from accounts.tokens import REFRESH_COOKIE
from booking.domain import states
from estivage.problems import status_of
from estivage.web import error_words as words
from estivage.web.error_words import error_text
from kernel.errors import DomainError
from kernel.i18n import DIRECTION, LOCALE_COOKIE, N_, negotiate_locale, translator

HERE = Path(__file__).parent
LANG_COOKIE = LOCALE_COOKIE
YEAR_SECONDS = 365 * 24 * 3600
# The largest whole number a form may carry: a PostgreSQL integer column's, so that a typed "999…9" is a
# form error here rather than a value the database (or SQLite's driver) refuses.
MAX_WHOLE = 2**31 - 1
# A booking from its confirmation onwards: a stay that takes (or took) place, not a hold.
STAYS = (states.CONFIRMED, states.CHECKED_IN, states.CHECKED_OUT)

Errors = dict[str, str]


def current_user(request: Request[Any, Any, Any]) -> Identity | None:
    user = request.scope.get("user")
    return user if isinstance(user, Identity) else None


def language(request: Request[Any, Any, Any]) -> str:
    """The browser's remembered choice (the member's own is put in the cookie at login), else its
    Accept-Language, else French."""
    return negotiate_locale(
        cookie=request.cookies.get(LANG_COOKIE), accept_language=request.headers.get("accept-language")
    )


def context(
    request: Request[Any, Any, Any], values: dict[str, Any], lang: str | None = None
) -> dict[str, Any]:
    lang = lang or language(request)
    return {
        "lang": lang,
        "dir": DIRECTION[lang],
        "user": current_user(request),
        "path": request.url.path,
        "errors": {},
        **values,
    }


# The words of the one-time messages after the account pages' redirects (shown by estivage.web.flash).
FLASHES: dict[str, str] = {
    "activated": N_("Your account is active: you are signed in."),
    "password_reset": N_(
        "Your password has been changed: you are signed in, and every other session has ended."
    ),
    "roster_applied": N_(
        "Roster applied: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
        "%(deactivated)s deactivated."
    ),
    "roster_unreachable": N_(
        "Members with neither e-mail nor phone: %(count)s. No activation code can reach them: collect one."
    ),
}


def page(
    request: Request[Any, Any, Any],
    name: str,
    status_code: int = 200,
    in_language: str | None = None,
    **values: Any,
) -> Template:
    """A whole page; `in_language` overrides the visitor's language (the login page's switch)."""
    return Template(
        template_name=name, context=context(request, values, in_language), status_code=status_code
    )


def fragment(
    request: Request[Any, Any, Any], name: str, push_url: str | None = None, **values: Any
) -> HTMXTemplate:
    """A part of a page answered to an HTMX request; `push_url` keeps the address bar shareable."""
    return HTMXTemplate(
        template_name=name, context=context(request, values), push_url=push_url if push_url else False
    )


def form_errors(request: Request[Any, Any, Any], error: DomainError) -> Errors:
    """The problem detail, in the page's language when its code is known, under the field it names."""
    return {error.field or "": error_text(language(request), error)}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path of this site: never `//host` or an absolute address."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def parse_date(value: str | None, field: str, errors: Errors, lang: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors[field] = translator(lang).gettext(words.INVALID if value else words.REQUIRED)
        return None


def whole_number(text: str) -> int:
    """A whole number as typed (ValueError when it is not one, or beyond `MAX_WHOLE` either way)."""
    number = int(text.strip())
    if abs(number) > MAX_WHOLE:
        raise ValueError(f"{text!r} is out of range")
    return number


def parse_int(value: str | None, field: str, errors: Errors, lang: str) -> int | None:
    try:
        return whole_number(value or "")
    except ValueError:
        errors[field] = translator(lang).gettext(words.INVALID if value else words.REQUIRED)
        return None


NOT_FOUND = N_("Page not found.")


def _error_page(request: Request[Any, Any, Any], status: int, message: str) -> Template:
    return page(request, "error.html", status_code=status, status=status, message=message)


def _on_unauthenticated(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # A refresh cookie renews an expired session first (estivage.web.account); else, the login page.
    renew = "/session/refresh" if request.cookies.get(REFRESH_COOKIE) else "/login"
    target = f"{renew}?next=" + quote(path, safe="")
    if request.headers.get("hx-request"):
        return Response(None, status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    lang = language(request)
    if isinstance(exc, PermissionDeniedException):
        return _error_page(request, 403, translator(lang).gettext("You have no access to this page."))
    if exc.status_code == 404:
        return _error_page(request, 404, translator(lang).gettext(NOT_FOUND))
    return _error_page(request, exc.status_code, str(exc.detail))


def _on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_of(exc)
    if status == 404:
        return _error_page(request, 404, translator(language(request)).gettext(NOT_FOUND))
    return _error_page(request, status, error_text(language(request), exc))


PAGE_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotAuthorizedException: _on_unauthenticated,
    HTTPException: _on_http_error,
    DomainError: _on_domain_error,
}
