"""Logging in, with limits that fit an office: one ministry office is behind one address, so failed
attempts are counted per account and per address separately, and a successful login counts nothing.

- per account (``ESTIVAGE_LOGIN_FAILURES_PER_ACCOUNT``, 10 per window): guessing one account's password
  stops there, from however many addresses;
- per address (``ESTIVAGE_LOGIN_FAILURES_PER_ADDRESS``, 100 per window): one address trying many
  accounts stops there, while an office of a hundred people typing their own passwords never meets it;
- the window (``ESTIVAGE_LOGIN_FAILURE_MINUTES``, 15) starts at the first failure; a successful login
  clears its account's count (not its address's: one known password must not unlock guessing others).

The counters live in the shared store (Redis in production), which degrades open when unreachable
(``estivage.stores``): a login limit is a brake, not the truth. A count is read then written (the store
has no atomic increment), so two failures at the same instant may count once: a brake still.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from accounts.domain.sessions import Ended, new_password
from accounts.models import User
from accounts.passwords import hash_password, password_matches
from accounts.services import BadCredentials, authenticate_user
from accounts.sessions import Issued, end_every_session, open_session_of
from kernel.codes import ErrorCode
from kernel.db import end_read_before_write
from kernel.errors import RateLimited
from kernel.uow import UnitOfWork


class CounterStore(Protocol):
    """What the limits need of a key-value store (Litestar's ``Store`` is one)."""

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None: ...

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def expires_in(self, key: str) -> int | None: ...


@dataclass(frozen=True, slots=True)
class LoginLimits:
    store: CounterStore
    per_account: int
    per_address: int
    window_minutes: int

    @staticmethod
    def _account_key(username: str) -> str:
        # Hashed: a username as typed may be anything, of any length.
        return "fail:account:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]

    @staticmethod
    def _address_key(address: str) -> str:
        return "fail:address:" + address[:64]

    async def _count(self, key: str) -> int:
        raw = await self.store.get(key)
        try:
            return int(raw or 0)
        except ValueError:
            return 0

    async def check(self, username: str, address: str) -> None:
        """Refuse before any password is checked once either count is full."""
        for key, limit, scope in (
            (self._account_key(username), self.per_account, "account"),
            (self._address_key(address), self.per_address, "address"),
        ):
            if await self._count(key) >= limit:
                seconds = await self.store.expires_in(key) or self.window_minutes * 60
                minutes = max(1, -(-seconds // 60))
                raise RateLimited(
                    ErrorCode.RATE_LIMITED,
                    f"too many failed logins; try again in {minutes} minutes",
                    params={"minutes": minutes, "scope": scope},
                )

    async def failed(self, username: str, address: str) -> None:
        for key in (self._account_key(username), self._address_key(address)):
            count = await self._count(key)
            left = await self.store.expires_in(key) if count else None
            await self.store.set(key, str(count + 1), expires_in=left or self.window_minutes * 60)

    async def succeeded(self, username: str) -> None:
        await self.store.delete(self._account_key(username))


async def log_in(
    uow: UnitOfWork,
    limits: LoginLimits,
    username: str,
    password: str,
    address: str,
    now: datetime,
    refresh_days: int,
) -> Issued:
    """A new signed-in session for these credentials, within the login limits (``RateLimited``)."""
    await limits.check(username, address)
    async with uow:
        try:
            user = await authenticate_user(uow.session, username, password)
        except BadCredentials:
            await limits.failed(username, address)
            raise
        user_id = user.id
        # The password's hash took a while: other logins may have written meanwhile (kernel.db).
        await end_read_before_write(uow.session)
        issued = await open_session_of(uow.session, user_id, now, refresh_days)
        await uow.commit()
    await limits.succeeded(username)
    return issued


async def change_password(
    uow: UnitOfWork,
    limits: LoginLimits,
    user_id: int,
    current: str,
    chosen: str,
    address: str,
    now: datetime,
    refresh_days: int,
) -> Issued:
    """A signed-in account's new password, given its current one: every session of the account ends
    (another device is signed out on its next request) and a new one begins for the caller. A wrong
    current password counts as a failed login (``BadCredentials`` on the field ``current``): a session
    left open on a shared desk must not become a way to guess the password."""
    password = new_password(chosen)
    async with uow:
        user = await uow.session.get(User, user_id)
        if user is None or not user.active:
            raise BadCredentials(ErrorCode.BAD_CREDENTIALS, "this account no longer exists", "current")
        username = user.username
        await limits.check(username, address)
        if not password_matches(user.password_hash or None, current):
            await limits.failed(username, address)
            raise BadCredentials(ErrorCode.BAD_CREDENTIALS, "the current password is wrong", "current")
        hashed = hash_password(password)
        await end_read_before_write(uow.session)  # two hashes took a while (kernel.db)
        user = await uow.session.get(User, user_id)
        assert user is not None  # read a moment ago, by its own request
        user.password_hash = hashed
        await end_every_session(uow, user, now, Ended.CHANGED)
        issued = await open_session_of(uow.session, user_id, now, refresh_days)
        await uow.commit()
    await limits.succeeded(username)
    return issued
