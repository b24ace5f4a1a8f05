"""A token decoded once per process is still refused once it expires, and a forged one is never kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from accounts import tokens
from accounts.tokens import CheckedToken

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"


def _encoded(expires_in: timedelta, secret: str = SECRET) -> str:
    token = Token(exp=datetime.now(UTC) + expires_in, sub="7", extras={"role": "member"})
    return token.encode(secret, "HS256")


def test_a_kept_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded = _encoded(timedelta(minutes=5))
    first = CheckedToken.decode(encoded, SECRET, "HS256")
    assert CheckedToken.decode(encoded, SECRET, "HS256") is first  # the second request: no decoding

    class Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Later:  # type: ignore[override]
            return cls.fromtimestamp((datetime.now(UTC) + timedelta(minutes=6)).timestamp(), tz=UTC)

    monkeypatch.setattr(tokens, "datetime", Later)
    with pytest.raises(NotAuthorizedException):
        CheckedToken.decode(encoded, SECRET, "HS256")


def test_a_token_signed_with_another_secret_is_refused_every_time() -> None:
    forged = _encoded(timedelta(minutes=5), secret="another-secret-of-at-least-thirty-two-bytes")
    for _ in range(2):
        with pytest.raises(NotAuthorizedException):
            CheckedToken.decode(forged, SECRET, "HS256")


def test_an_expired_token_is_refused_and_not_kept() -> None:
    # Token itself refuses to be made expired: PyJWT signs the claims as they are.
    claims = {"exp": int(datetime.now(UTC).timestamp()) - 1, "iat": 0, "sub": "7", "role": "member"}
    expired = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(NotAuthorizedException):
        CheckedToken.decode(expired, SECRET, "HS256")
    assert all(key[0] != expired for key in CheckedToken._decoded)
