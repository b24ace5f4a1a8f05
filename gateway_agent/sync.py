"""Talking to the server: the device's enrolment, keys and revocations down, the journal up.

Every exchange is safe to repeat. Revocations come by cursor and are stored with the cursor in one
transaction; scans go up in batches and are marked uploaded only once the server has answered, and the
server stores each event id once, so a batch retried after a lost answer is counted as duplicates.

Whatever the network puts in the way (a captive portal's login page, a proxy's error, a server of
another version) is a :class:`SyncFailed`, never a crash: the server's answers are read through the
small functions below, which refuse anything not shaped as CONTRACT.md says.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from gateway_agent.journal import Durability, Identity, JournalEntry, StateStore

logger = logging.getLogger("gateway_agent.sync")

UPLOAD_BATCH = 500  # the server takes up to 1000 events a request
TIMEOUT_SECONDS = 10.0
DEVICE_REFUSED = frozenset({401, 403})
BAD_INPUT = frozenset({400, 422})  # CONTRACT.md: the answer to a request the server will never take


class SyncFailed(Exception):
    """The server could not be reached or refused the device; nothing was lost, try later."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    keys: int  # the keys the gate holds after the sync
    new_revocations: int
    upload: Upload

    def as_json(self) -> dict[str, int]:
        return {
            "keys": self.keys,
            "new_revocations": self.new_revocations,
            "uploaded": self.upload.accepted,
            "duplicates": self.upload.duplicates,
            "new_rejections": self.upload.rejected,
        }


def _client(server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.rstrip("/"),
        headers={"Authorization": f"Bearer {token}", "User-Agent": "estivage-gateway-agent"},
        timeout=TIMEOUT_SECONDS,
    )


def _get(client: httpx.Client, path: str, **params: Any) -> Any:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as error:
        raise SyncFailed(f"server unreachable: {error}") from error
    return _json(response)


def _json(response: httpx.Response) -> Any:
    if response.status_code in DEVICE_REFUSED:
        raise SyncFailed(
            f"the server refused this device (HTTP {response.status_code}: its token was revoked, or it"
            " belongs to another server or centre); the scans stay here until the gate is enrolled again"
        )
    if response.status_code != 200:
        raise SyncFailed(
            f"{response.request.method} {response.request.url.path}: HTTP {response.status_code}"
        )
    with _reading(response.request.url.path):
        return response.json()


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """An answer that is not what CONTRACT.md says (not JSON, a key missing, a wrong type or value) is
    a failed sync like an unreachable server: nothing was changed by it, try again later."""
    try:
        yield
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SyncFailed(f"unexpected answer to {what}: {type(error).__name__}: {error}") from error


def _text(document: Any, name: str) -> str:
    return _string(document[name], name)


def _optional_text(document: Any, name: str) -> str | None:
    return None if document.get(name) is None else _text(document, name)


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} is not a non-empty string: {value!r}")
    return value


def _whoami(document: Any) -> tuple[str, str, str]:
    """The device id, centre and time zone the server says this token belongs to."""
    with _reading("/api/access/device"):
        time_zone = _text(document, "time_zone")
        ZoneInfo(time_zone)  # a zone this computer cannot load would break every scan later
        return _text(document, "device_id"), _text(document, "centre"), time_zone


def fetch_identity(server: str, token: str) -> Identity:
    """Who the token says this gate is: the enrolment step's check that server and token go together."""
    with _client(server, token) as client:
        device_id, centre, time_zone = _whoami(_get(client, "/api/access/device"))
    return Identity(server.rstrip("/"), token, device_id, centre, time_zone)


def sync_once(store: StateStore) -> SyncReport:
    identity = store.identity()
    if identity is None:
        raise SyncFailed("this gate is not enrolled: run `gateway-agent enroll --server URL --token TOKEN`")
    with _client(identity.server, identity.token) as client:
        _device_id, centre, time_zone = _whoami(_get(client, "/api/access/device"))
        store.set_settings({"centre": centre, "time_zone": time_zone})
        with _reading("/api/access/keys"):
            _replace_keys(store, _published_keys(_get(client, "/api/access/keys")))
        new_revocations = _pull_revocations(client, store)
        upload = _push_journal(client, store)
    store.set_settings({"last_sync_at": datetime.now(UTC).isoformat(timespec="seconds")})
    return SyncReport(len(store.keyring()), new_revocations, upload)


def _replace_keys(store: StateStore, keys: list[tuple[str, str, str | None]]) -> None:
    if not keys:
        # The server always publishes its signing key: an empty set is a server being set up or broken,
        # and taking it would lock every family out (`unknown_key`) until the next good sync.
        logger.warning("the server published no keys: keeping the %d this gate has", len(store.keyring()))
        return
    store.replace_keys(keys)  # refuses a damaged key (ValueError) before replacing any


def _published_keys(document: Any) -> list[tuple[str, str, str | None]]:
    """``(kid, public_key, not_after)`` for each key; call inside ``_reading``."""
    return [
        (_text(k, "kid"), _text(k, "public_key"), _optional_text(k, "not_after")) for k in document["keys"]
    ]


def _revocation_page(document: Any) -> tuple[list[uuid.UUID], int]:
    with _reading("/api/access/revocations"):
        revoked = [uuid.UUID(_string(p, "a revoked pass id")) for p in document["revoked"]]
        return revoked, int(document["cursor"])


def _pull_revocations(client: httpx.Client, store: StateStore) -> int:
    total = 0
    while True:
        since = store.revocation_cursor()
        revoked, cursor = _revocation_page(_get(client, "/api/access/revocations", since=since))
        if not revoked:
            return total
        if cursor <= since:
            # Storing the page would not move the cursor: the same page would come back for ever.
            raise SyncFailed(f"the revocation feed did not move past cursor {since}")
        store.add_revocations(revoked, cursor)
        total += len(revoked)


def _event(entry: JournalEntry) -> dict[str, str | None]:
    return {
        "event_id": str(entry.event_id),
        "pass_id": None if entry.pass_id is None else str(entry.pass_id),
        "direction": entry.direction,
        "decision": entry.decision,
        "reason": entry.reason,
        "scanned_at": datetime.fromtimestamp(entry.scanned_at, UTC).isoformat(),
    }


@dataclass(frozen=True, slots=True)
class Upload:
    """What the server did with the scans sent: stored, already had, or refused as bad input."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def __add__(self, other: Upload) -> Upload:
        return Upload(
            self.accepted + other.accepted, self.duplicates + other.duplicates, self.rejected + other.rejected
        )


def _push_journal(client: httpx.Client, store: StateStore) -> Upload:
    done = Upload()
    while batch := store.pending(UPLOAD_BATCH):
        done += _upload(client, store, batch)
    return done


def _upload(client: httpx.Client, store: StateStore, batch: list[tuple[int, JournalEntry]]) -> Upload:
    """Send ``batch``; mark what the server stored, and what it refuses as bad input.

    A 400 or 422 from the service (a problem document, RFC 9457) names a batch, not an event: the
    batch is sent again in halves until each refused event is alone, so one bad event (a journal row
    damaged on disk, a reason an older server does not take) neither blocks the uploads behind it for
    ever nor takes good events down with it. Anything else that is not a 200 (the device refused, the
    server down, a proxy's own 400 in front of it, which would refuse every event alike) stops the
    sync: nothing is marked, everything is sent again next time.
    """
    try:
        response = client.post("/api/access/scans", json={"events": [_event(e) for _s, e in batch]})
    except httpx.HTTPError as error:
        raise SyncFailed(f"server unreachable: {error}") from error
    if response.status_code in BAD_INPUT and _is_problem(response):
        if len(batch) > 1:
            half = len(batch) // 2
            return _upload(client, store, batch[:half]) + _upload(client, store, batch[half:])
        [(seq, entry)] = batch
        logger.warning(
            "the server refuses scan %s (HTTP %d: %s); it stays in the journal and is not sent again",
            entry.event_id,
            response.status_code,
            response.text[:300],
        )
        store.mark_rejected([seq])
        return Upload(rejected=1)
    answer = _json(response)
    with _reading("/api/access/scans"):
        done = Upload(int(answer["accepted"]), int(answer["duplicates"]))
    store.mark_uploaded([seq for seq, _entry in batch])
    return done


def _is_problem(response: httpx.Response) -> bool:
    """The service's own refusal: a problem document, not an HTML page from a proxy on the way."""
    media_type = str(response.headers.get("content-type", "")).split(";")[0].strip()
    return media_type == "application/problem+json"


class Backoff:
    """Exponential back-off with full jitter between failed syncs, reset by a success.

    Jitter matters here: after a centre-wide network cut, every gate must not retry in step.
    """

    def __init__(self, base: float, ceiling: float, rng: random.Random | None = None) -> None:
        self.base = base
        self.ceiling = ceiling
        self.failures = 0
        self._rng = rng or random.Random()  # jitter, not secrecy

    def success(self) -> float:
        self.failures = 0
        return self.base

    def failure(self) -> float:
        self.failures += 1
        return self._rng.uniform(self.base / 2, min(self.ceiling, self.base * 2**self.failures))


class SyncLoop(threading.Thread):
    """Syncs on a timer in the background with its own database connection: a slow or dead server
    never holds up a scan."""

    def __init__(
        self, state_dir: Path, durability: Durability, interval: float, ceiling: float = 600.0
    ) -> None:
        super().__init__(name="sync", daemon=True)
        self._state_dir = state_dir
        self._durability = durability
        self.backoff = Backoff(interval, max(ceiling, interval))
        self._stop = threading.Event()

    def run(self) -> None:
        store = StateStore(self._state_dir, self._durability)
        try:
            delay = 0.0
            while not self._stop.wait(delay):
                try:
                    report = sync_once(store)
                except SyncFailed as failure:
                    delay = self.backoff.failure()
                    logger.warning("sync failed (%s); next try in %.0f s", failure, delay)
                except Exception:  # a bug must not end syncing for good: log it and keep trying
                    delay = self.backoff.failure()
                    logger.exception("sync crashed; next try in %.0f s", delay)
                else:
                    delay = self.backoff.success()
                    logger.info("synced: %s", report.as_json())
        finally:
            store.close()

    def stop(self) -> None:
        self._stop.set()
