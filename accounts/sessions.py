"""Use cases of signed-in sessions: open one at login, rotate its refresh token, end it (logout), end
them all (a password reset, a disabled account), and read what a request is checked against.

The rules and the choice of token versions over a revocation list: ``accounts.domain.sessions``."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, Table, bindparam, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.domain.identity import Identity
from accounts.domain.sessions import (
    SECRET_BYTES,
    AccountState,
    Ended,
    RefreshRefused,
    RefreshToken,
    parse_refresh,
)
from accounts.events import AccountAccessChanged
from accounts.models import AuthSession, Member, User, manager_centres
from accounts.services import identity_of
from kernel.codes import ErrorCode
from kernel.db import Base
from kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Issued:
    """A signed-in session's credentials: what the access token carries, and the refresh token."""

    identity: Identity
    version: int
    refresh: RefreshToken
    refresh_expires_at: datetime

    @property
    def sid(self) -> str:
        return self.refresh.sid

    def token_extras(self) -> dict[str, object]:
        return {**self.identity.token_extras(), "ver": self.version, "sid": self.sid}


async def open_session(session: AsyncSession, user: User, now: datetime, days: int) -> Issued:
    """A step of a login, an activation or a reset: a new session for ``user`` (loaded with its member
    and centres). The caller commits."""
    return await open_session_of(session, user.id, now, days)


async def open_session_of(session: AsyncSession, user_id: int, now: datetime, days: int) -> Issued:
    """``open_session`` by the account's id: the session's row is written first, then the account read
    (with its member and centres), so that on SQLite the write lock is taken before any read."""
    refresh = RefreshToken(secrets.token_hex(16), secrets.token_urlsafe(SECRET_BYTES))
    expires = now + timedelta(days=days)
    session.add(
        AuthSession(
            id=refresh.sid,
            user_id=user_id,
            created_at=now,
            expires_at=expires,
            refreshed_at=now,
            refresh_sha256=refresh.digest,
            generation=0,
        )
    )
    await session.flush()
    user = await _user(session, user_id)
    assert user is not None  # the caller has just read it
    return Issued(identity_of(user), user.token_version, refresh, expires)


async def _user(session: AsyncSession, user_id: int) -> User | None:
    query = (
        select(User).where(User.id == user_id).options(selectinload(User.member), selectinload(User.centres))
    )
    return (await session.scalars(query)).one_or_none()


def _refused() -> RefreshRefused:
    return RefreshRefused(
        ErrorCode.REFRESH_REFUSED, "this session has ended: log in again", field="refresh_token"
    )


async def _end(uow: UnitOfWork, row: AuthSession, now: datetime, why: Ended) -> None:
    row.revoked_at, row.revoked_why = now, why
    uow.record(AccountAccessChanged(occurred_at=now, account_id=row.user_id))


async def refresh(uow: UnitOfWork, token: str, now: datetime, days: int) -> Issued:
    """A new access token and the next refresh token; the one given is spent. A spent one given again
    ends the session (reuse detected) and is refused, as is anything unknown, expired or ended."""
    given = parse_refresh(token)
    async with uow:
        session = uow.session
        row = await session.get(AuthSession, given.sid)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise _refused()
        following = RefreshToken(given.sid, secrets.token_urlsafe(SECRET_BYTES))
        # Compare and swap: of two uses of one token at once, only one rotates; the other is a reuse.
        rotated = await session.execute(
            update(AuthSession)
            .where(
                AuthSession.id == given.sid,
                AuthSession.refresh_sha256 == given.digest,
                AuthSession.revoked_at.is_(None),
            )
            .values(
                refresh_sha256=following.digest,
                generation=AuthSession.generation + 1,
                refreshed_at=now,
                expires_at=now + timedelta(days=days),
            )
            .execution_options(synchronize_session=False)
        )
        user = await _user(session, row.user_id)
        if rotated.rowcount != 1 or user is None or not user.active:  # type: ignore[attr-defined]
            await session.refresh(row)
            if row.revoked_at is None:
                await _end(uow, row, now, Ended.REUSED)
                await uow.commit()
            raise _refused()
        await uow.commit()
        return Issued(identity_of(user), user.token_version, following, now + timedelta(days=days))


async def sign_out(uow: UnitOfWork, user_id: int | None, sid: str | None, now: datetime) -> None:
    """End one session: its access tokens and its refresh token are refused from now on. ``user_id``,
    when known (an authenticated call), must own the session; the pages' logout names it by its
    refresh cookie only."""
    if not sid:
        return
    async with uow:
        row = await uow.session.get(AuthSession, sid)
        if row is None or row.revoked_at is not None or (user_id is not None and row.user_id != user_id):
            return
        await _end(uow, row, now, Ended.LOGOUT)
        await uow.commit()


async def end_every_session(uow: UnitOfWork, user: User, now: datetime, why: Ended) -> None:
    """A step (the caller commits): every token of the account is refused on its next request (the
    version moves) and every refresh token with it (the sessions end)."""
    user.token_version += 1
    await uow.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_why=why)
        .execution_options(synchronize_session=False)
    )
    uow.record(AccountAccessChanged(occurred_at=now, account_id=user.id))


# Read on every request whose account is not in the shared store's cache (``accounts.tokens``): two
# Core statements built once (the account with its member's category; its centres and recently ended
# sessions), not the ORM's user with two relationships loaded (a third of the CPU of a rush's request).
_USERS: Table = User.__table__  # type: ignore[assignment]
_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_SESSIONS: Table = AuthSession.__table__  # type: ignore[assignment]
_ACCOUNT = (
    select(
        _USERS.c.id,
        _USERS.c.username,
        _USERS.c.role,
        _USERS.c.active,
        _USERS.c.token_version,
        _MEMBERS.c.category,
    )
    .select_from(_USERS.outerjoin(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id))
    .where(_USERS.c.id == bindparam("user_id"))
)
_CENTRE = "centre"


@functools.cache
def _centres_and_ended() -> Select[tuple[str, str]]:
    """The codes of the account's centres and the ids of its sessions ended within a token's lifetime,
    told apart by the first column (built on first use: the centres' table is mapped above accounts)."""
    centres = Base.metadata.tables["centres"]
    return union_all(
        select(literal(_CENTRE), centres.c.code)
        .select_from(manager_centres.join(centres, centres.c.id == manager_centres.c.centre_id))
        .where(manager_centres.c.user_id == bindparam("user_id")),
        select(literal("ended"), _SESSIONS.c.id).where(
            _SESSIONS.c.user_id == bindparam("user_id"),
            _SESSIONS.c.revoked_at.is_not(None),
            # Older sessions' access tokens have expired by themselves.
            _SESSIONS.c.revoked_at > bindparam("since"),
        ),
    )  # type: ignore[return-value]


async def account_state(
    session: AsyncSession, user_id: int, now: datetime, access_lifetime: timedelta
) -> AccountState | None:
    """What a request of the account is checked against, from the database."""
    user = (await session.execute(_ACCOUNT, {"user_id": user_id})).one_or_none()
    if user is None:
        return None
    rows = await session.execute(_centres_and_ended(), {"user_id": user_id, "since": now - access_lifetime})
    centres: list[str] = []
    ended: list[str] = []
    for kind, value in rows.tuples():
        (centres if kind == _CENTRE else ended).append(value)
    return AccountState(
        user_id=user.id,
        username=user.username,
        role=user.role,
        active=user.active,
        version=user.token_version,
        category=user.category,
        centres=tuple(sorted(centres)),
        ended_sessions=frozenset(ended),
    )
