"""HTTP for logging in (POST /api/auth/token), refreshing and ending a session, and GET /api/me."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody
from litestar.security.jwt import JWTAuth, JWTCookieAuth, Token
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import sessions
from accounts.domain.identity import Identity
from accounts.login import LoginLimits, log_in
from accounts.services import load_account
from kernel.settings import Settings
from kernel.uow import UnitOfWork


class Credentials(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(max_length=200)] = msgspec.field()
    password: Annotated[str, msgspec.Meta(max_length=1024)] = msgspec.field()


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    role: str
    # Keeps the device signed in: POST /api/auth/refresh gives a new pair; each one works once.
    refresh_token: str
    refresh_expires_in: int


class MeOut(msgspec.Struct, omit_defaults=True):
    username: str
    role: str
    display_name: str = ""
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


def make_auth_controller(
    jwt: JWTAuth[Identity] | JWTCookieAuth[Identity], settings: Settings
) -> type[Controller]:
    minutes, days = settings.token_minutes, settings.refresh_days

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
            await sessions.sign_out(uow, request.user.user_id, session_of(request), now)

        @get("/me", summary="Who am I")
        async def me(
            self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
        ) -> MeOut:
            user = await load_account(db_session, request.user)
            member = user.member
            return MeOut(
                username=user.username,
                role=user.role,
                display_name=user.display_name,
                category=member.category if member else None,
                member_number=member.member_number if member else None,
                family_size=member.family_size if member else None,
                preferred_language=member.preferred_language if member else None,
                centres=[c.code for c in user.centres] if user.role == "manager" else None,
            )

    return AuthController
