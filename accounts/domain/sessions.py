"""Signed-in sessions and what a request is checked against: pure rules, no database, no HTTP.

How a token is revoked (issue 15.9): a **per-user token version** plus a **per-session id**, both checked
against the account's row on every request (through a cache in the shared store, ``accounts.tokens``):

- every access token carries ``ver`` (the account's ``token_version`` when it was issued) and ``sid`` (the
  session it belongs to). Disabling an account or resetting its password bumps the version: every token of
  the account is refused on its next request. Logging out ends one session: its tokens are refused, the
  account's other devices stay signed in.
- the role, the category and the centres are read from the account, not from the token: a manager
  removed from a centre is refused that centre on their very next request, without logging in again.
- access tokens are short (``ESTIVAGE_TOKEN_MINUTES``, 15); a refresh token keeps a device signed in. It
  is ``<sid>.<secret>``, rotated at every use; only the current secret's SHA-256 is kept. An older secret
  coming back means a copy is being replayed (the thief's or the owner's): the whole session ends.

A revocation list was the other way: it needs an entry per token and fails open when the store is down;
the version lives in the database, and the store only caches it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from accounts.domain.identity import Identity
from kernel.codes import ErrorCode
from kernel.errors import DomainError, RuleViolation

SECRET_BYTES = 32
MIN_PASSWORD = 10
MAX_PASSWORD = 128


class Ended(StrEnum):
    """Why a session ended."""

    LOGOUT = "logout"
    REUSED = "reused"  # an older refresh token came back
    RESET = "reset"  # the password was reset
    CHANGED = "changed"  # the password was changed (with the current one)
    DISABLED = "disabled"


class RefreshRefused(DomainError):
    """A refresh token that is unknown, expired, ended or replayed (401: log in again)."""


@dataclass(frozen=True, slots=True)
class RefreshToken:
    sid: str
    secret: str

    def __str__(self) -> str:
        return f"{self.sid}.{self.secret}"

    @property
    def digest(self) -> str:
        return secret_digest(self.secret)

    def matches(self, stored: str) -> bool:
        return hmac.compare_digest(stored, self.digest)


def secret_digest(secret: str) -> str:
    # A 256-bit random secret needs no salt nor a slow hash: it cannot be guessed, only stolen.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_refresh(text: str) -> RefreshToken:
    sid, dot, secret = text.strip().partition(".")
    if not dot or not sid or not secret or len(sid) > 32 or len(secret) > 128:
        raise RefreshRefused(
            ErrorCode.REFRESH_REFUSED, "not a refresh token: log in again", field="refresh_token"
        )
    return RefreshToken(sid, secret)


def new_password(password: str) -> str:
    """A password a person chooses: long enough to resist guessing, short enough to hash cheaply."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise RuleViolation(
            ErrorCode.WEAK_PASSWORD,
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            field="password",
            params={"min": MIN_PASSWORD, "max": MAX_PASSWORD},
        )
    return password


@dataclass(frozen=True, slots=True)
class AccountState:
    """What every request of an account is checked against, read from its row (and cached briefly)."""

    user_id: int
    username: str
    role: str
    active: bool
    version: int
    category: str | None = None
    centres: tuple[str, ...] = ()
    # Sessions ended recently enough that tokens they issued may still be unexpired.
    ended_sessions: frozenset[str] = field(default_factory=frozenset)

    def admits(self, version: Any, sid: Any) -> bool:
        """A token of this account is good when issued under the current version, by a live session."""
        return self.active and version == self.version and sid not in self.ended_sessions

    def identity(self) -> Identity:
        return Identity(self.user_id, self.username, self.role, self.category, self.centres)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role,
            "active": self.active,
            "version": self.version,
            "category": self.category,
            "centres": list(self.centres),
            "ended_sessions": sorted(self.ended_sessions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountState:
        return cls(
            user_id=int(data["user_id"]),
            username=str(data["username"]),
            role=str(data["role"]),
            active=bool(data["active"]),
            version=int(data["version"]),
            category=data.get("category"),
            centres=tuple(data.get("centres") or ()),
            ended_sessions=frozenset(data.get("ended_sessions") or ()),
        )
