"""The server's pass-signing keys: a small JSON file named by settings, never served but as public keys.

Each key has an id; the newest signs. `rotate` adds a key and gives the previous ones a `not_after`
far enough ahead for every pass they signed to run its course, so no gate stops accepting a valid pass.
The file is written atomically (a temporary file renamed over it) with owner-only permissions, and
every change reads and writes it under an exclusive lock on a sibling lock file: several workers or
replicas sharing the file (a volume in docker-compose) that start at once agree on one first key instead
of each making its own under the same id.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from access.passformat import private_key_from_raw, private_key_to_raw, public_key_to_base64url

# Passes are issued for stays booked at most ~18 months ahead: an old key keeps verifying that long.
RETIRED_KEY_LIFETIME = timedelta(days=550)


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: datetime
    not_after: datetime | None = None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_base64url(self) -> str:
        return public_key_to_base64url(self.public_key)


def _encode(key: SigningKey) -> dict[str, str | None]:
    return {
        "kid": key.kid,
        "private_key": base64.urlsafe_b64encode(private_key_to_raw(key.private_key)).decode().rstrip("="),
        "created_at": key.created_at.isoformat(),
        "not_after": key.not_after.isoformat() if key.not_after else None,
    }


def _decode(item: dict[str, str | None]) -> SigningKey:
    raw = str(item["private_key"])
    return SigningKey(
        kid=str(item["kid"]),
        private_key=private_key_from_raw(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        not_after=datetime.fromisoformat(str(item["not_after"])) if item.get("not_after") else None,
    )


def load(path: Path) -> list[SigningKey]:
    if not path.exists():
        return []
    return [_decode(item) for item in json.loads(path.read_text(encoding="utf-8"))["keys"]]


def _save(path: Path, keys: list[SigningKey]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pass-keys-")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump({"keys": [_encode(k) for k in keys]}, file, indent=2)
    Path(temporary).chmod(0o600)
    Path(temporary).replace(path)


def _next_kid(keys: list[SigningKey], now: datetime) -> str:
    base = now.strftime("%Y%m%d")
    taken = {k.kid for k in keys}
    return next(kid for n in range(1, 1000) if (kid := f"{base}-{n}") not in taken)


@contextlib.contextmanager
def _changing(path: Path) -> Iterator[None]:
    """Hold the keys file's lock (``flock`` on ``<file>.lock``) while reading and changing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def rotate(path: Path, now: datetime) -> SigningKey:
    """Add a new signing key; earlier keys keep verifying until their `not_after`."""
    with _changing(path):
        return _rotate(path, now)


def _rotate(path: Path, now: datetime) -> SigningKey:
    keys = [
        k if k.not_after else SigningKey(k.kid, k.private_key, k.created_at, now + RETIRED_KEY_LIFETIME)
        for k in load(path)
    ]
    new = SigningKey(_next_kid(keys, now), Ed25519PrivateKey.generate(), now)
    _save(path, [*keys, new])
    return new


def ensure(path: Path, now: datetime) -> list[SigningKey]:
    """The keys, with a first one made when there is none (a fresh demo needs no ceremony)."""
    keys = load(path)
    if keys:  # the common case: no lock needed to read a file that is only ever replaced whole
        return keys
    with _changing(path):
        if not load(path):  # another process may have made it while this one waited
            _rotate(path, now)
        return load(path)


def signing_key(keys: list[SigningKey]) -> SigningKey:
    return max(keys, key=lambda k: k.created_at)


def published(keys: list[SigningKey], now: datetime) -> list[SigningKey]:
    """Keys a gate should trust now: those without a `not_after`, or whose `not_after` is ahead."""
    return [k for k in keys if k.not_after is None or k.not_after > now]
