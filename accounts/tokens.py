"""JWT bearer tokens carrying the caller's identity, in the Authorization header or the pages' cookie.

Every request's token is checked against its account (``accounts.domain.sessions``: a per-user token
version and a per-session id), read from the database and cached in the shared store for a few seconds,
and with Redis in each server process's memory too (``LocalStates``); whatever changes it forgets the
cached copies after its commit (``AccountAccessChanged``). The role, the category and the centres are the
account's current ones, not the token's: a change holds on the very next request. Tokens are short-lived;
a refresh token keeps a device signed in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol, Self

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
# How many accounts' states a server process keeps in memory (``LocalStates``), for the same reason.
ACCOUNTS_KEPT = 4096
# The store's copy says when it was read from the database (a wall-clock time, shared by the processes).
_READ_AT = "read_at"


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


class LocalStates:
    """This process's copies of accounts' states, in front of the shared store: most requests are answered
    from memory instead of a Redis round trip (5-6% of a refused hold's CPU in the opening-day rush).

    Why this does not weaken revocation: a copy is used only while the process is known to hear every
    change. ``AccountStates.forget`` drops this process's copy at once and publishes the account's id on
    Redis; every process's listener (``estivage.account_feed``) drops its copy when the message comes, and
    keeps the copies usable only for a few seconds after the last thing it heard (a message or the answer
    to its ping, twice a second). When the subscription drops or goes quiet, the copies are cleared and
    bypassed: requests read the store and the database as without this layer; on (re)subscribing they are
    cleared again, since messages may have been missed meanwhile. Without Redis there is no listener and
    no layer (the embedded memory store is already in the process).

    A copy also expires ``CACHE_SECONDS`` after the database read it came from, as the store's copy does:
    a change that nobody announced (a command, a writer that could not reach Redis) waits no longer than
    it did without this layer."""

    def __init__(self, size: int = ACCOUNTS_KEPT) -> None:
        self.size = size
        self._states: dict[int, tuple[AccountState, float]] = {}  # user id -> (state, monotonic deadline)
        self._live_until = float("-inf")
        # Moves whenever a copy may have become stale: a read that began before the move keeps nothing (a
        # message handled while its request waited for Redis or the database must not be undone by it).
        self.epoch = 0

    @property
    def live(self) -> bool:
        return time.monotonic() < self._live_until

    def get(self, user_id: int) -> AccountState | None:
        now = time.monotonic()
        if now >= self._live_until:
            return None
        kept = self._states.get(user_id)
        if kept is None:
            return None
        if now >= kept[1]:
            del self._states[user_id]
            return None
        return kept[0]

    def keep(self, state: AccountState, epoch: int, read_at: float) -> None:
        """Keep ``state``, read by a request that began at ``epoch``; ``read_at`` is the ``time.time()``
        of its database read."""
        left = min(read_at + CACHE_SECONDS - time.time(), CACHE_SECONDS)
        now = time.monotonic()
        if epoch != self.epoch or now >= self._live_until or left <= 0:
            return
        self._states.pop(state.user_id, None)
        if len(self._states) >= self.size:
            del self._states[next(iter(self._states))]  # the oldest
        self._states[state.user_id] = (state, now + left)

    def drop(self, user_id: int) -> None:
        self.epoch += 1
        self._states.pop(user_id, None)

    def heard(self, seconds: float) -> None:
        """The listener heard from Redis: the copies are good for ``seconds`` more unless it hears again."""
        self._live_until = time.monotonic() + seconds

    def clear(self) -> None:
        self.epoch += 1
        self._states.clear()

    def deaf(self) -> None:
        """The listener lost its subscription: bypassed until it subscribes again."""
        self._live_until = float("-inf")
        self.clear()


class AccountFeed(Protocol):
    """Tells every server process that an account changed (``estivage.account_feed``, over Redis)."""

    local: LocalStates

    async def publish(self, user_id: int) -> None: ...


class AccountStates:
    """What a request of an account is checked against: this process's copy (with a feed), else the
    store's, else the database's."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: Store,
        clock: Clock,
        token_minutes: int,
        feed: AccountFeed | None = None,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.clock = clock
        # A token may outlive its session's end by its own lifetime (and a minute of leeway).
        self.lifetime = timedelta(minutes=token_minutes + 1)
        self.feed = feed
        self.local = feed.local if feed is not None else None

    @staticmethod
    def _key(user_id: int) -> str:
        return f"account:{user_id}"

    async def get(self, user_id: int) -> AccountState | None:
        local = self.local
        if local is None:
            return (await self._shared(user_id))[0]
        state = local.get(user_id)
        if state is None:
            epoch = local.epoch
            state, read_at = await self._shared(user_id)
            if state is not None:
                local.keep(state, epoch, read_at)
        return state

    async def _shared(self, user_id: int) -> tuple[AccountState | None, float]:
        """The store's copy, else the database's (then stored); with the time of its database read."""
        cached = await self.store.get(self._key(user_id))
        if cached:
            data = json.loads(cached)
            # A copy without the time (written before it was) is not kept in memory: read long enough ago.
            return AccountState.from_json(data), float(data.get(_READ_AT, 0.0))
        read_at = time.time()
        async with self.sessions() as session:
            state = await account_state(session, user_id, self.clock(), self.lifetime)
        if state is not None:
            copy = json.dumps({**state.to_json(), _READ_AT: read_at})
            await self.store.set(self._key(user_id), copy, expires_in=CACHE_SECONDS)
        return state, read_at

    async def forget(self, user_id: int) -> None:
        await self.store.delete(self._key(user_id))
        if self.feed is not None:
            # This process at once (after the store's copy is gone, so that no request of this process
            # reads that copy back into memory), then every other process.
            self.feed.local.drop(user_id)
            await self.feed.publish(user_id)


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
