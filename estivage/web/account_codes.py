"""The pages of activation and password reset by one-time code, linked from the login page: ask for a
code (member number and birth date to activate, the username for a reset), then type it back with the
new password. The same use cases as ``/api/auth/activate`` and ``/api/auth/password-reset``
(``accounts.codes``), with the API's rate limit on the requests for a code.

Asking for a code answers the same whatever was typed, as the API's 202 does: the work is done after the
answer (``accounts.controllers.in_background``), so neither the words nor the time say whether a member
matched. A wrong, used or expired code and a password out of bounds are said next to their field; a good
code signs the account in, and the next page says so once (``estivage.web.common.FLASHES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.security.jwt import JWTCookieAuth

from accounts import codes
from accounts.controllers import in_background, login_rate_limit
from accounts.domain import contact as code_rules
from accounts.domain.identity import Identity
from accounts.models import Member
from accounts.sessions import Issued
from estivage.web import error_words as words
from estivage.web.account import HOME, lang_cookie, session_cookies
from estivage.web.common import FLASHES, Errors, form_errors, language, page, parse_date
from estivage.web.flash import say
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.settings import Settings
from kernel.uow import UnitOfWork

USERNAME_MAX, NUMBER_MAX, CODE_MAX, PASSWORD_MAX = 200, 32, 12, 1024
# No pending code matched (wrong and no try left, used, expired, or no such account): one refusal.
CODE_DEAD = N_("This code is wrong, used or expired: ask for a new one.")
PASSWORDS_DIFFER = N_("The two passwords are not the same.")
TOO_MANY_REQUESTS = N_("Too many requests from this address: try again in a minute.")


@dataclass(frozen=True, slots=True)
class Flow:
    """One of the two ways to a password: its pages' addresses, template names and flash."""

    path: str
    start_template: str
    flash: str


ACTIVATION = Flow("/activate", "activate.html", "activated")
RESET = Flow("/password-reset", "password_reset.html", "password_reset")


def _field(form: Any, name: str, limit: int) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _code_errors(request: Request[Any, Any, Any], error: DomainError) -> Errors:
    if error.code == "invalid_code" and not error.params:
        return {"code": translator(language(request)).gettext(CODE_DEAD)}
    return form_errors(request, error)


def _code_page(
    request: Request[Any, Any, Any], flow: Flow, status_code: int = 200, **values: Any
) -> Template:
    return page(request, "account_code.html", status_code=status_code, flow=flow.path, **values)


async def _signed_in(
    request: Request[Any, Any, Any],
    jwt: JWTCookieAuth[Identity],
    settings: Settings,
    uow: UnitOfWork,
    issued: Issued,
    flow: Flow,
    now: datetime,
) -> Redirect:
    """Signed in as by the login form (the member's own language wins), with the flash for the next page."""
    cookies = session_cookies(request, jwt, issued, settings, now)
    member = await uow.session.get(Member, issued.identity.user_id)
    if member is not None:
        cookies.append(lang_cookie(request, member.preferred_language))
    say(request, FLASHES[flow.flash], member.preferred_language if member is not None else None)
    return Redirect(HOME[issued.identity.role], status_code=303, cookies=cookies)


def make_code_pages(jwt: JWTCookieAuth[Identity], settings: Settings) -> type[Controller]:
    limiter = login_rate_limit(settings.login_attempts_per_minute)

    def too_many(request: Request[Any, Any, Any], _exc: TooManyRequestsException) -> Response[Any]:
        flow = RESET if request.url.path.startswith(RESET.path) else ACTIVATION
        message = translator(language(request)).gettext(TOO_MANY_REQUESTS)
        return page(request, flow.start_template, status_code=429, errors={"": message}, form={})

    async def finish(
        request: Request[Any, Any, Any], uow: UnitOfWork, now: datetime, flow: Flow
    ) -> Response[Any]:
        form = await request.form()
        username = _field(form, "username", USERNAME_MAX)
        code, password = _field(form, "code", CODE_MAX), str(form.get("password") or "")[:PASSWORD_MAX]
        lang = language(request)
        errors: Errors = {}
        if not username:
            errors["username"] = translator(lang).gettext(words.REQUIRED)
        if not code:
            errors["code"] = translator(lang).gettext(words.REQUIRED)
        if password != str(form.get("password_confirm") or "")[:PASSWORD_MAX]:
            errors["password_confirm"] = translator(lang).gettext(PASSWORDS_DIFFER)
        if not errors:
            use = codes.activate if flow is ACTIVATION else codes.reset_password
            try:
                issued = await use(uow, username, code, password, now, settings.refresh_days)
            except DomainError as refused:
                errors = _code_errors(request, refused)
            else:
                return await _signed_in(request, jwt, settings, uow, issued, flow, now)
        kept = "" if "code" in errors else code  # a problem with the password alone: the code stays typed
        return _code_page(request, flow, status_code=400, username=username, code=kept, errors=errors)

    class CodePages(Controller):
        path = "/"
        include_in_schema = False
        opt = {"exclude_from_auth": True}  # the pages of someone who cannot log in yet
        exception_handlers = {TooManyRequestsException: too_many}

        @get(ACTIVATION.path)
        async def activation_form(self, request: Request[Any, Any, Any]) -> Template:
            return page(request, ACTIVATION.start_template, form={})

        @post(ACTIVATION.path, status_code=303, middleware=[limiter.middleware])
        async def start_activation(self, request: Request[Any, Any, Any]) -> Response[Any]:
            """The roster's member number and birth date; the answer is the same whether they match."""
            form = await request.form()
            number, born = _field(form, "member_number", NUMBER_MAX), _field(form, "birth_date", 10)
            lang = language(request)
            errors: Errors = {}
            if not number:
                errors["member_number"] = translator(lang).gettext(words.REQUIRED)
            birth_date = parse_date(born, "birth_date", errors, lang)
            if errors or birth_date is None:
                values = {"member_number": number, "birth_date": born}
                return page(request, ACTIVATION.start_template, status_code=400, errors=errors, form=values)

            async def work(uow: UnitOfWork, now: datetime, day: date = birth_date) -> None:
                await codes.start_activation(uow, number, day, now)

            target = f"{ACTIVATION.path}/code?" + urlencode({"username": number.upper(), "sent": "1"})
            return Redirect(target, status_code=303, background=in_background(request, work))

        @get(RESET.path)
        async def reset_form(self, request: Request[Any, Any, Any]) -> Template:
            return page(request, RESET.start_template, form={})

        @post(RESET.path, status_code=303, middleware=[limiter.middleware])
        async def start_reset(self, request: Request[Any, Any, Any]) -> Response[Any]:
            """The username (a member's number); the answer is the same whether it exists."""
            username = _field(await request.form(), "username", USERNAME_MAX)
            if not username:
                errors = {"username": translator(language(request)).gettext(words.REQUIRED)}
                return page(request, RESET.start_template, status_code=400, errors=errors, form={})
            mail_language = language(request)  # a member's mail goes in their own language

            async def work(uow: UnitOfWork, now: datetime) -> None:
                await codes.start_reset(uow, username, now, mail_language)

            target = f"{RESET.path}/code?" + urlencode({"username": username, "sent": "1"})
            return Redirect(target, status_code=303, background=in_background(request, work))

        @get([f"{ACTIVATION.path}/code", f"{RESET.path}/code"])
        async def code_form(
            self,
            request: Request[Any, Any, Any],
            username: Annotated[str | None, QueryParameter(max_length=USERNAME_MAX)] = None,
            sent: Annotated[str | None, QueryParameter()] = None,
        ) -> Template:
            flow = RESET if request.url.path.startswith(RESET.path) else ACTIVATION
            return _code_page(
                request, flow, username=username or "", sent=sent == "1", minutes=code_rules.CODE_MINUTES
            )

        @post(f"{ACTIVATION.path}/code", status_code=303)
        async def activate(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> Response[Any]:
            return await finish(request, uow, now, ACTIVATION)

        @post(f"{RESET.path}/code", status_code=303)
        async def reset(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> Response[Any]:
            return await finish(request, uow, now, RESET)

    return CodePages
