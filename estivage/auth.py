"""Who is calling: JWT bearer tokens carrying the caller's identity, and guards for the roles.

The token carries what authorisation needs (role, member category, managed centres) so that a request
is authorised without a database round trip; tokens are short-lived for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTCookieAuth, Token

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username costs as much as a wrong
# password and the response time does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-password")

MEMBER, MANAGER, STAFF = "member", "manager", "staff"
# The pages' session: the same signed token as the Bearer header, in an HttpOnly SameSite cookie.
SESSION_COOKIE = "estivage_session"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: int
    username: str
    role: str
    category: str | None = None
    centres: tuple[str, ...] = ()

    def token_extras(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "category": self.category,
            "centres": self.centres,
        }

    def may_see_centre(self, centre_code: str) -> bool:
        return self.role == STAFF or (self.role == MANAGER and centre_code in self.centres)

    def require_centre(self, centre_code: str) -> None:
        """A manager of another centre learns nothing about this one (403 for the wrong role is the
        guard's job; inside the right role, the wrong centre is forbidden too)."""
        if not self.may_see_centre(centre_code):
            raise PermissionDeniedException(detail=f"not allowed for centre {centre_code!r}")


async def identity_from_token(
    token: Token, _connection: ASGIConnection[Any, Any, Any, Any]
) -> Identity | None:
    extras = token.extras
    role = extras.get("role")
    if role not in {MEMBER, MANAGER, STAFF}:
        return None
    return Identity(
        user_id=int(token.sub),
        username=str(extras.get("username", "")),
        role=role,
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
        exclude=[
            "/schema",
            "/api/auth/token",
            "/api/payments/stripe/webhook",
            "/health",
            "^/login",
            "^/static/",
            # Gate devices authenticate with their own tokens (access.controllers.provide_gate).
            r"^/api/access/(revocations|scans|keys|device)$",
        ],
    )


def _role_guard(*roles: str) -> Any:
    # A coroutine although it awaits nothing: Litestar 2 runs a plain-function guard in a worker
    # thread (anyio.to_thread), a thread hand-off on every request for a check of a few attributes.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Identity) or user.role not in roles:
            raise PermissionDeniedException(detail=f"this needs the role {' or '.join(roles)}")

    return guard


requires_member = _role_guard(MEMBER)
requires_staff = _role_guard(STAFF)
requires_manager_or_staff = _role_guard(MANAGER, STAFF)
requires_member_or_staff = _role_guard(MEMBER, STAFF)
