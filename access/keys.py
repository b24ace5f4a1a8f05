"""The server's pass-signing keys: a small JSON file named by settings, never served but as public keys.

Each key has an id. `rotate` adds a key that is published at once but signs only from `signs_from`
(two days later by default): gates that sync keys while the network is up, then work offline for a while,
already hold the new public key when the first pass it signs reaches them. The key that signs is the one
added last among those whose `signs_from` has come and whose `not_after` has not: a later rotation always
wins over an earlier one, even when it was made to sign at once. `rotate` also gives the previous keys a
`not_after` far enough ahead for every pass they signed to run its course, so no gate stops accepting a
valid pass. `retire` ends a key's trust at once (a key feared stolen): gates refuse its passes from their
next sync, and it never signs again.
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
from inventory.domain.calendar import MAX_DAYS_AHEAD, MAX_STAY_NIGHTS

# A new key is served to gates this long before it signs a pass (gates offline for less miss nothing).
PUBLISH_AHEAD = timedelta(days=2)
# A rotated key still signs for PUBLISH_AHEAD; its last pass may be for a stay booked MAX_DAYS_AHEAD later
# that lasts MAX_STAY_NIGHTS, then the departure day and the gates' grace: it verifies until all are over.
RETIRED_KEY_LIFETIME = PUBLISH_AHEAD + timedelta(days=MAX_DAYS_AHEAD + MAX_STAY_NIGHTS + 2)


class KeyringError(ValueError):
    """A key operation that would leave the service unable to sign, or names no key."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: datetime
    not_after: datetime | None = None
    signs_from: datetime | None = None  # None: from its creation (keys written before this field)

    @property
    def signing_from(self) -> datetime:
        return self.signs_from or self.created_at

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
        "signs_from": key.signing_from.isoformat(),
    }


def _decode(item: dict[str, str | None]) -> SigningKey:
    raw = str(item["private_key"])
    return SigningKey(
        kid=str(item["kid"]),
        private_key=private_key_from_raw(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        not_after=datetime.fromisoformat(str(item["not_after"])) if item.get("not_after") else None,
        signs_from=datetime.fromisoformat(str(item["signs_from"])) if item.get("signs_from") else None,
    )


# Every pass read checks its key is still trusted: the file is parsed again only when it changed. It is
# only ever replaced whole, by renaming a temporary file made while the current one still exists, so
# each version has another inode than the one before (the modification time is checked too).
_LOADED: dict[Path, tuple[tuple[int, int], list[SigningKey]]] = {}


def load(path: Path) -> list[SigningKey]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    version = (stat.st_ino, stat.st_mtime_ns)
    cached = _LOADED.get(path)
    if cached is None or cached[0] != version:
        keys = [_decode(item) for item in json.loads(path.read_text(encoding="utf-8"))["keys"]]
        cached = _LOADED[path] = (version, keys)
    return list(cached[1])


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


def rotate(path: Path, now: datetime, publish_ahead: timedelta = PUBLISH_AHEAD) -> SigningKey:
    """Add a new key, published now and signing from `now + publish_ahead`; earlier keys keep verifying
    until their `not_after`. The first key of all signs at once (no gate can have passes yet)."""
    with _changing(path):
        return _rotate(path, now, publish_ahead)


def _rotate(path: Path, now: datetime, publish_ahead: timedelta) -> SigningKey:
    keys = [
        k
        if k.not_after
        else SigningKey(k.kid, k.private_key, k.created_at, now + RETIRED_KEY_LIFETIME, k.signs_from)
        for k in load(path)
    ]
    signs_from = now + publish_ahead if keys else now
    new = SigningKey(_next_kid(keys, now), Ed25519PrivateKey.generate(), now, signs_from=signs_from)
    _save(path, [*keys, new])
    return new


def ensure(path: Path, now: datetime) -> list[SigningKey]:
    """The keys, with a first one made when there is none (a fresh demo needs no ceremony)."""
    keys = load(path)
    if keys:  # the common case: no lock needed to read a file that is only ever replaced whole
        return keys
    with _changing(path):
        if not load(path):  # another process may have made it while this one waited
            _rotate(path, now, PUBLISH_AHEAD)
        return load(path)


def _may_sign(key: SigningKey, now: datetime) -> bool:
    return key.signing_from <= now and (key.not_after is None or key.not_after > now)


def signing_key(keys: list[SigningKey], now: datetime) -> SigningKey:
    """The key that signs passes now: the one added last (the file keeps them in that order) among those
    whose `signs_from` has come and whose `not_after` has not."""
    ready = [k for k in keys if _may_sign(k, now)]
    if not ready:
        raise KeyringError("no pass-signing key may sign now: rotate with --publish-hours 0")
    return ready[-1]


def retire(path: Path, kid: str, now: datetime) -> SigningKey:
    """End a key's trust now: gates drop it at their next sync and it signs no more. Refused when no
    other key could sign now (make one first with a rotation that signs at once)."""
    with _changing(path):
        keys = load(path)
        if not any(k.kid == kid for k in keys):
            raise KeyringError(f"no key {kid}")
        changed = [
            SigningKey(k.kid, k.private_key, k.created_at, now, k.signs_from) if k.kid == kid else k
            for k in keys
        ]
        if not any(_may_sign(k, now) for k in changed):
            raise KeyringError(
                f"{kid} is the only key that may sign now: rotate with --publish-hours 0 first"
            )
        _save(path, changed)
        return next(k for k in changed if k.kid == kid)


def published(keys: list[SigningKey], now: datetime) -> list[SigningKey]:
    """Keys a gate should trust now: those without a `not_after`, or whose `not_after` is ahead."""
    return [k for k in keys if k.not_after is None or k.not_after > now]
