"""Password hashing (argon2id), with a constant cost whether or not the account exists."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username costs as much as a wrong
# password and the response time does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the account's. None (no such account) and "" (an account with no password
    yet: a member loaded from the roster who has not activated) match nothing, at the same cost."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
