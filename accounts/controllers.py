"""HTTP for logging in (POST /api/auth/token), refreshing and ending a session, and GET /api/me."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody
from litestar.security.jwt import JWTAuth, JWTCookieAuth, Token
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import codes, sessions
from accounts.domain.identity import Identity
from accounts.login import LoginLimits, log_in
from accounts.services import load_account
from kernel.http.schemas import language_of
from kernel.settings import Settings
from kernel.uow import UnitOfWork

logger = logging.getLogger("estivage.accounts")


class Credentials(msgspec.Struct):
    """A username (member number or staff username) and its password."""

    username: Annotated[str, msgspec.Meta(max_length=200)] = msgspec.field()
    password: Annotated[str, msgspec.Meta(max_length=1024)] = msgspec.field()


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    """The refresh token received with the last access token."""

    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ActivationStart(msgspec.Struct):
    """A member's first activation: their member number and birth date, as on the foundation's roster."""

    member_number: Annotated[str, msgspec.Meta(max_length=32)]
    birth_date: date


class ResetStart(msgspec.Struct):
    """The username whose password is to be reset."""

    username: Annotated[str, msgspec.Meta(max_length=200)]


class CodeIn(msgspec.Struct):
    """The code received by mail and the password chosen (10 to 128 characters)."""

    username: Annotated[str, msgspec.Meta(max_length=200)]
    code: Annotated[str, msgspec.Meta(max_length=12)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class Accepted(msgspec.Struct):
    """The request was taken; the answer is the same whether or not an account matched."""

    detail: str


ACCEPTED = Accepted("if an account matches, a code has gone to its address on record")


class TokenOut(msgspec.Struct):
    """A bearer access token, its lifetime in seconds and the caller's role, with the refresh token that
    renews it."""

    access_token: str
    token_type: str
    expires_in: int
    role: str
    # Keeps the device signed in: POST /api/auth/refresh gives a new pair; each one works once.
    refresh_token: str
    refresh_expires_in: int


class MeOut(msgspec.Struct, omit_defaults=True):
    """The caller's account. ``email``: the address on record (a member's from the roster or as they
    changed it, a manager's or staff member's as head office set it), left out when there is none;
    ``language``: a member's language of the pages and the mail, ``fr`` or ``ar`` (``preferred_language``
    is the same, kept for the clients that read it)."""

    username: str
    role: str
    display_name: str = ""
    email: str | None = None
    language: str | None = None
    category: str | None = None
    member_number: str | None = None
    family_size: int | None = None
    preferred_language: str | None = None
    centres: list[str] | None = None


def login_rate_limit(attempts_per_minute: int) -> RateLimitConfig:
    """Requests per client address, counted in the shared store (Redis in production): the code requests
    (activation, reset). Logins count failures only (``login_limits``)."""
    return RateLimitConfig(rate_limit=("minute", attempts_per_minute), store="rate_limit")


def login_limits(request: Request[Any, Any, Any], settings: Settings) -> LoginLimits:
    return LoginLimits(
        request.app.stores.get("login_failures"),
        settings.login_failures_per_account,
        settings.login_failures_per_address,
        settings.login_failure_minutes,
    )


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def access_token(jwt: JWTAuth[Identity] | JWTCookieAuth[Identity], issued: sessions.Issued) -> str:
    return jwt.create_token(identifier=str(issued.identity.user_id), token_extras=issued.token_extras())


def token_out(
    jwt: JWTAuth[Identity] | JWTCookieAuth[Identity],
    issued: sessions.Issued,
    token_minutes: int,
    now: datetime,
) -> TokenOut:
    return TokenOut(
        access_token=access_token(jwt, issued),
        token_type="bearer",  # noqa: S106 - the OAuth2 token type, not a secret
        expires_in=token_minutes * 60,
        role=issued.identity.role,
        refresh_token=str(issued.refresh),
        refresh_expires_in=max(0, int((issued.refresh_expires_at - now).total_seconds())),
    )


def session_of(request: Request[Any, Any, Any]) -> str | None:
    """The session id the request's access token belongs to."""
    auth = request.scope.get("auth")
    sid = auth.extras.get("sid") if isinstance(auth, Token) else None
    return str(sid) if sid else None


def in_background(
    request: Request[Any, Any, Any], work: Callable[[UnitOfWork, datetime], Awaitable[None]]
) -> BackgroundTask:
    """A code request's work, after the 202 has gone: the answer is the same, and as fast, whether or not
    an account matched (no enumeration by status nor by time). Its own session; a failure is logged."""
    state = request.app.state

    async def run() -> None:
        async with state.account_states.sessions() as session:
            try:
                await work(UnitOfWork(session, state.event_handlers), state.clock())
            except Exception:  # the client was answered already; the log keeps it
                logger.exception("a code request failed")

    return BackgroundTask(run)


def make_auth_controller(
    jwt: JWTAuth[Identity] | JWTCookieAuth[Identity], settings: Settings
) -> type[Controller]:
    minutes, days = settings.token_minutes, settings.refresh_days
    limiter = login_rate_limit(settings.login_attempts_per_minute)

    class AuthController(Controller):
        path = "/api"
        tags = ["accounts"]

        # A JSON login rides on no cookie (its answer is a token in the body, not a session): no CSRF token.
        @post(
            "/auth/token",
            status_code=200,
            summary="Log in",
            description="429 after too many failed logins for this account or from this address "
            "(successful logins are not counted).",
            exclude_from_csrf=True,
        )
        async def token(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
            data: JSONBody[Credentials],
        ) -> TokenOut:
            issued = await log_in(
                uow,
                login_limits(request, settings),
                data.username.strip(),
                data.password,
                client_address(request),
                now,
                days,
            )
            return token_out(jwt, issued, minutes, now)

        @post(
            "/auth/refresh",
            status_code=200,
            summary="A new access token for a refresh token (which is spent: use the new one next)",
            description="401 for a refresh token that is unknown, expired, ended or already spent; a spent "
            "one coming back ends its session (it was copied).",
            exclude_from_auth=True,
            exclude_from_csrf=True,
        )
        async def refresh(
            self, uow: NamedDependency[UnitOfWork], now: NamedDependency[datetime], data: JSONBody[RefreshIn]
        ) -> TokenOut:
            return token_out(jwt, await sessions.refresh(uow, data.refresh_token, now, days), minutes, now)

        @post(
            "/auth/logout",
            status_code=204,
            summary="Log out: this token, its session and its refresh token are refused from now on",
        )
        async def logout(
            self,
            request: Request[Identity, Any, Any],
            uow: NamedDependency[UnitOfWork],
            now: NamedDependency[datetime],
        ) -> None:
            """Ends the caller's session: its access token, page session and refresh token are refused from
            now on (401)."""
            await sessions.sign_out(uow, request.user.user_id, session_of(request), now)

        @post(
            "/auth/activate/start",
            status_code=202,
            summary="Activate my account: a one-time code goes by mail to the address on record",
            description="202 whatever the input: whether a member matched is never said. Rate-limited.",
            exclude_from_auth=True,
            exclude_from_csrf=True,
            middleware=[limiter.middleware],
        )
        async def start_activation(
            self, request: Request[Any, Any, Any], data: JSONBody[ActivationStart]
        ) -> Response[Accepted]:
            async def work(uow: UnitOfWork, now: datetime) -> None:
                await codes.start_activation(uow, data.member_number, data.birth_date, now)

            return Response(ACCEPTED, status_code=202, background=in_background(request, work))

        @post(
            "/auth/password-reset/start",
            status_code=202,
            summary="Forgot my password: a one-time code goes by mail to the address on record",
            description="202 whatever the input: whether the account exists is never said. Rate-limited.",
            exclude_from_auth=True,
            exclude_from_csrf=True,
            middleware=[limiter.middleware],
        )
        async def start_reset(
            self, request: Request[Any, Any, Any], data: JSONBody[ResetStart]
        ) -> Response[Accepted]:
            language = language_of(request)

            async def work(uow: UnitOfWork, now: datetime) -> None:
                await codes.start_reset(uow, data.username, now, language)

            return Response(ACCEPTED, status_code=202, background=in_background(request, work))

        @post(
            "/auth/activate",
            status_code=200,
            summary="Choose my first password with the code received; I am signed in",
            description="400 for a wrong, used or expired code (nothing changes); 422 for a password "
            "too short or too long.",
            exclude_from_auth=True,
            exclude_from_csrf=True,
        )
        async def activate(
            self, uow: NamedDependency[UnitOfWork], now: NamedDependency[datetime], data: JSONBody[CodeIn]
        ) -> TokenOut:
            issued = await codes.activate(uow, data.username, data.code, data.password, now, days)
            return token_out(jwt, issued, minutes, now)

        @post(
            "/auth/password-reset",
            status_code=200,
            summary="Choose a new password with the code received: every other session ends",
            description="400 for a wrong, used or expired code (nothing changes); 422 for a password "
            "too short or too long.",
            exclude_from_auth=True,
            exclude_from_csrf=True,
        )
        async def reset(
            self, uow: NamedDependency[UnitOfWork], now: NamedDependency[datetime], data: JSONBody[CodeIn]
        ) -> TokenOut:
            issued = await codes.reset_password(uow, data.username, data.code, data.password, now, days)
            return token_out(jwt, issued, minutes, now)

        @get("/me", summary="Who am I")
        async def me(
            self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
        ) -> MeOut:
            """The caller's account: a member's number, category, family size and language; a manager's
            centres."""
            user = await load_account(db_session, request.user)
            member = user.member
            return MeOut(
                username=user.username,
                role=user.role,
                display_name=user.display_name,
                email=(member.email if member else user.email) or None,
                language=member.preferred_language if member else None,
                category=member.category if member else None,
                member_number=member.member_number if member else None,
                family_size=member.family_size if member else None,
                preferred_language=member.preferred_language if member else None,
                centres=[c.code for c in user.centres] if user.role == "manager" else None,
            )

    return AuthController
