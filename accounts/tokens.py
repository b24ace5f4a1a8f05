"""JWT bearer tokens carrying the caller's identity, in the Authorization header or the pages' cookie.

The token carries what authorisation needs (role, member category, managed centres) so that a request
is authorised without a database round trip; tokens are short-lived for that reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTCookieAuth, Token

from accounts.domain.identity import Identity, Role

# The pages' session: the same signed token as the Bearer header, in an HttpOnly SameSite cookie.
SESSION_COOKIE = "estivage_session"


async def identity_from_token(
    token: Token, _connection: ASGIConnection[Any, Any, Any, Any]
) -> Identity | None:
    extras = token.extras
    role = extras.get("role")
    if role not in set(Role):
        return None
    return Identity(
        user_id=int(token.sub),
        username=str(extras.get("username", "")),
        role=Role(role),
        category=extras.get("category"),
        centres=tuple(extras.get("centres") or ()),
    )


def jwt_auth(secret: str, token_minutes: int) -> JWTCookieAuth[Identity]:
    """The Authorization header first (API clients), else the session cookie (the pages)."""
    return JWTCookieAuth[Identity](
        key=SESSION_COOKIE,
        samesite="lax",
        description="JWT: `Authorization: Bearer <token>` (API clients) or the pages' session cookie.",
        token_secret=secret,
        retrieve_user_handler=identity_from_token,
        default_token_expiration=timedelta(minutes=token_minutes),
        # Litestar searches these anywhere in the path: each is anchored at both ends, or an address
        # that merely contains "/health" would skip authentication (issue 15, item 10).
        exclude=[
            "^/schema(/|$)",
            "^/api/auth/token$",
            "^/api/payments/stripe/webhook$",
            "^/health$",
            "^/login$",
            "^/static/",
            # Gate devices authenticate with their own tokens (access.controllers.provide_gate).
            r"^/api/access/(revocations|scans|keys|device)$",
        ],
    )
