"""JWT bearer tokens carrying the caller's identity, in the Authorization header or the pages' cookie.

Every request's token is checked against its account (``accounts.domain.sessions``: a per-user token
version and a per-session id), read from the database and cached in the shared store for a few seconds;
whatever changes it forgets the cached copy after its commit (``AccountAccessChanged``). The role, the
category and the centres are the account's current ones, not the token's: a change holds on the very next
request. Tokens are short-lived; a refresh token keeps a device signed in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTCookieAuth, Token
from litestar.stores.base import Store
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.domain.identity import Identity, Role
from accounts.domain.sessions import AccountState
from accounts.sessions import account_state
from kernel.clock import Clock

# The pages' session: the same signed token as the Bearer header, in an HttpOnly SameSite cookie.
SESSION_COOKIE = "estivage_session"
# The pages' refresh token, HttpOnly too: it keeps a browser signed in past the access token's minutes.
REFRESH_COOKIE = "estivage_refresh"
# How long a request may trust the cached copy of an account when nothing said it changed: what a change
# made where the store could not be told (another process on the memory store, Redis down) waits at most.
CACHE_SECONDS = 10


# How many decoded tokens a server process keeps (``CheckedToken``): more than the members active at once.
TOKENS_KEPT = 4096


class CheckedToken(Token):
    """A token decoded once per process: the same signed string always decodes to the same claims, so
    the signature check (HMAC, base64, JSON, claim conversion: ~6% of a hold's CPU in the rush) is done
    on its first request only. What changes with time is checked on every request: expiry (``exp``,
    as PyJWT would, no leeway) and a not-before claim (such tokens are never kept). Whether the
    account still admits the token is another check (``identity_from_token``), made on every request."""

    _decoded: ClassVar[dict[tuple[Any, ...], Token]] = {}

    @classmethod
    def decode(
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        strict_audience: bool = False,
    ) -> Self:
        key = (
            encoded_token,
            secret,
            algorithm,
            _frozen(audience),
            _frozen(issuer),
            _frozen(require_claims),
            verify_exp,
            verify_nbf,
            strict_audience,
        )
        token = cls._decoded.get(key)
        if token is None:
            token = super().decode(
                encoded_token,
                secret,
                algorithm,
                audience,
                issuer,
                require_claims,
                verify_exp,
                verify_nbf,
                strict_audience,
            )
            if "nbf" not in token.extras:
                if len(cls._decoded) >= TOKENS_KEPT:
                    del cls._decoded[next(iter(cls._decoded))]  # the oldest
                cls._decoded[key] = token
        elif verify_exp and token.exp <= datetime.now(UTC):
            del cls._decoded[key]
            raise NotAuthorizedException("Invalid token")
        return token  # type: ignore[return-value]


def _frozen(value: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    return value if value is None or isinstance(value, str) else tuple(value)


class AccountStates:
    """What a request of an account is checked against: the store's copy, else the database's."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: Store,
        clock: Clock,
        token_minutes: int,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.clock = clock
        # A token may outlive its session's end by its own lifetime (and a minute of leeway).
        self.lifetime = timedelta(minutes=token_minutes + 1)

    @staticmethod
    def _key(user_id: int) -> str:
        return f"account:{user_id}"

    async def get(self, user_id: int) -> AccountState | None:
        cached = await self.store.get(self._key(user_id))
        if cached:
            return AccountState.from_json(json.loads(cached))
        async with self.sessions() as session:
            state = await account_state(session, user_id, self.clock(), self.lifetime)
        if state is not None:
            await self.store.set(self._key(user_id), json.dumps(state.to_json()), expires_in=CACHE_SECONDS)
        return state

    async def forget(self, user_id: int) -> None:
        await self.store.delete(self._key(user_id))


async def identity_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Identity | None:
    extras = token.extras
    if extras.get("role") not in set(Role):
        return None
    states: AccountStates = connection.app.state.account_states
    state = await states.get(int(token.sub))
    if state is None or not state.admits(extras.get("ver"), extras.get("sid")):
        return None  # 401: logged out, disabled, reset, or the account is gone
    return state.identity()


def jwt_auth(secret: str, token_minutes: int) -> JWTCookieAuth[Identity]:
    """The Authorization header first (API clients), else the session cookie (the pages)."""
    return JWTCookieAuth[Identity](
        key=SESSION_COOKIE,
        samesite="lax",
        description="JWT: `Authorization: Bearer <token>` (API clients) or the pages' session cookie.",
        token_secret=secret,
        token_cls=CheckedToken,
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
