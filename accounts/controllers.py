"""HTTP for logging in (POST /api/auth/token) and GET /api/me."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody
from litestar.security.jwt import JWTAuth, JWTCookieAuth
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.services import authenticate, load_account


class Credentials(msgspec.Struct):
    username: str = msgspec.field()
    password: str = msgspec.field()


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    role: str


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
    """Login attempts per client address, counted in the shared store (Redis in production)."""
    return RateLimitConfig(rate_limit=("minute", attempts_per_minute), store="rate_limit")


def make_auth_controller(
    jwt: JWTAuth[Identity] | JWTCookieAuth[Identity], token_minutes: int, attempts_per_minute: int
) -> type[Controller]:
    limiter = login_rate_limit(attempts_per_minute)

    class AuthController(Controller):
        path = "/api"
        tags = ["accounts"]

        # A JSON login rides on no cookie (its answer is a token in the body, not a session): no CSRF token.
        @post(
            "/auth/token",
            middleware=[limiter.middleware],
            status_code=200,
            summary="Log in",
            exclude_from_csrf=True,
        )
        async def token(
            self, db_session: NamedDependency[AsyncSession], data: JSONBody[Credentials]
        ) -> TokenOut:
            identity = await authenticate(db_session, data.username.strip(), data.password)
            token = jwt.create_token(identifier=str(identity.user_id), token_extras=identity.token_extras())
            return TokenOut(
                access_token=token,
                token_type="bearer",  # noqa: S106 - the OAuth2 token type, not a secret
                expires_in=token_minutes * 60,
                role=identity.role,
            )

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
