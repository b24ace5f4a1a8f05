"""Talking to the server: the device's enrolment, keys, revocations, the roster and the other gates'
events (the centre's scan feed) down; the journal and a report of the gate's health up.

Every exchange is safe to repeat. Revocations come by cursor and are stored with the cursor in one
transaction; scans go up in batches and are marked uploaded only once the server has answered, and the
server stores each event id once, so a batch retried after a lost answer is counted as duplicates.

Whatever the network puts in the way (a captive portal's login page, a proxy's error, a server of
another version) is a :class:`SyncFailed`, never a crash: the server's answers are read through the
small functions below, which refuse anything not shaped as CONTRACT.md says.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from access.passformat import normalise_booking_code
from gateway_agent import roster
from gateway_agent.events import EventRefused, from_wire, instant, to_wire
from gateway_agent.journal import Durability, Identity, JournalEntry, StateStore
from gateway_agent.roster import RosterStay

logger = logging.getLogger("gateway_agent.sync")

UPLOAD_BATCH = 500  # the server takes up to 1000 events a request
TIMEOUT_SECONDS = 10.0
DEVICE_REFUSED = frozenset({401, 403})
BAD_INPUT = frozenset({400, 422})  # CONTRACT.md: the answer to a request the server will never take
CLOCK_WARNING_SECONDS = 60  # a gate whose clock is further off than this says so at each sync
Clock = Callable[[], float]


def agent_version() -> str:
    try:
        return metadata.version("estivage")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class SyncFailed(Exception):
    """The server could not be reached or refused the device; nothing was lost, try later."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    keys: int  # the keys the gate holds after the sync
    new_revocations: int
    upload: Upload
    roster: int = 0  # stays of the coming days the gate now holds
    merged: int = 0  # other gates' events new to this one, from the centre's scan feed

    def as_json(self) -> dict[str, int]:
        return {
            "keys": self.keys,
            "new_revocations": self.new_revocations,
            "uploaded": self.upload.accepted,
            "duplicates": self.upload.duplicates,
            "new_rejections": self.upload.rejected,
            "roster": self.roster,
            "merged": self.merged,
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


@dataclass(frozen=True, slots=True)
class WhoAmI:
    device_id: str
    centre: str
    time_zone: str
    peer_keys: list[tuple[str, str]]  # (kid, key), newest first; none from a server before peers


def _whoami(document: Any) -> WhoAmI:
    """The device id, centre and time zone the server says this token belongs to, and its peer keys."""
    with _reading("/api/access/device"):
        time_zone = _text(document, "time_zone")
        ZoneInfo(time_zone)  # a zone this computer cannot load would break every scan later
        keys = [(_text(k, "kid"), _text(k, "key")) for k in document.get("peer_keys", [])]
        return WhoAmI(_text(document, "device_id"), _text(document, "centre"), time_zone, keys)


def fetch_identity(server: str, token: str) -> tuple[Identity, WhoAmI]:
    """Who the token says this gate is: the enrolment step's check that server and token go together."""
    with _client(server, token) as client:
        me = _whoami(_get(client, "/api/access/device"))
    return Identity(server.rstrip("/"), token, me.device_id, me.centre, me.time_zone), me


def peer_settings(me: WhoAmI) -> dict[str, str]:
    return {"peer_keys": json.dumps(me.peer_keys)}


def sync_once(store: StateStore, clock: Clock = time.time) -> SyncReport:
    identity = store.identity()
    if identity is None:
        raise SyncFailed("this gate is not enrolled: run `gateway-agent enroll --server URL --token TOKEN`")
    grace = int(store.setting("grace_seconds") or 0)
    roster.forget_departed(store, int(clock()), grace)
    with _client(identity.server, identity.token) as client:
        me = _whoami(_get(client, "/api/access/device"))
        store.set_settings({"centre": me.centre, "time_zone": me.time_zone, **peer_settings(me)})
        with _reading("/api/access/keys"):
            _replace_keys(store, _published_keys(_get(client, "/api/access/keys")))
        new_revocations = _pull_revocations(client, store)
        upload = _push_journal(client, store)
        # After the revocations: a pass reissued in between is then live in the roster, not revoked.
        held = _pull_roster(client, store, me.centre)
        merged = _pull_feed(client, store, clock)
        _report(client, store, clock)
    roster.forget_departed(store, int(clock()), grace)
    store.set_settings({"last_sync_at": instant(clock())})
    return SyncReport(len(store.keyring()), new_revocations, upload, held, merged)


def _report(client: httpx.Client, store: StateStore, clock: Clock) -> None:
    """The gate's health for the fleet view; the server answers its view of this gate's clock."""
    try:
        response = client.post(
            "/api/access/device/report",
            json={
                "version": agent_version(),
                "backlog": store.counts()["pending_upload"],
                "clock": instant(clock()),
            },
        )
    except httpx.HTTPError as error:
        raise SyncFailed(f"server unreachable: {error}") from error
    with _reading("/api/access/device/report"):
        offset = float(_json(response)["clock_offset_seconds"])
    store.set_settings({"clock_offset_seconds": f"{offset:.3f}"})
    if abs(offset) > CLOCK_WARNING_SECONDS:
        logger.warning("this gate's clock is %+.0f s off the server's: set it right (NTP)", offset)


def _roster_stay(document: Any, centre: str) -> tuple[RosterStay, list[uuid.UUID]]:
    code = normalise_booking_code(_text(document, "code"))
    if code is None:
        raise ValueError(f"not a booking code: {document['code']!r}")
    pass_id = document.get("pass_id")
    stay = RosterStay(
        booking_id=uuid.UUID(_text(document, "booking_id")),
        code=code,
        pass_id=None if pass_id is None else uuid.UUID(_string(pass_id, "pass_id")),
        centre=centre,
        valid_from=int(datetime.fromisoformat(_text(document, "valid_from")).timestamp()),
        valid_until=int(datetime.fromisoformat(_text(document, "valid_until")).timestamp()),
        party_size=int(document["party_size"]),
        holder=str(document["holder"]),
        holder_ar=str(document["holder_ar"]),
        unit=str(document["unit"]),
    )
    return stay, [uuid.UUID(_string(p, "a pass id")) for p in document["pass_ids"]]


def _pull_roster(client: httpx.Client, store: StateStore, centre: str) -> int:
    document = _get(client, "/api/access/roster")
    with _reading("/api/access/roster"):
        read = [_roster_stay(item, centre) for item in document["stays"]]
    stays = [stay for stay, _passes in read]
    passes = [(pass_id, stay.booking_id) for stay, pass_ids in read for pass_id in pass_ids]
    return roster.replace(store, stays, passes)


def _pull_feed(client: httpx.Client, store: StateStore, clock: Clock) -> int:
    """The other gates' events of the centre, by cursor; an event this gate refuses is logged and
    skipped (the cursor moves on: it would be refused again)."""
    merged = 0
    while True:
        since = int(store.setting("scan_feed_cursor") or 0)
        document = _get(client, "/api/access/scan-feed", since=since)
        with _reading("/api/access/scan-feed"):
            cursor, items = int(document["cursor"]), list(document["events"])
        if cursor <= since:
            return merged
        entries = []
        for item in items:
            try:
                entries.append(from_wire(item, clock()))
            except EventRefused as refused:
                logger.warning("the scan feed sent an event this gate refuses: %s", refused)
        merged += store.merge(entries)
        store.set_settings({"scan_feed_cursor": str(cursor)})


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
    """One of this gate's events as ``POST /api/access/scans`` takes it (its device is the caller)."""
    event = to_wire(entry, "")
    del event["device_id"]
    return event


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
        refused = {uuid.UUID(_text(r, "event_id")): _text(r, "code") for r in answer.get("refused", [])}
        done = Upload(int(answer["accepted"]), int(answer["duplicates"]), len(refused))
    for _seq, entry in batch:
        if entry.event_id in refused:
            logger.warning(
                "the server refuses scan %s (%s); it stays in the journal and is not sent again",
                entry.event_id,
                refused[entry.event_id],
            )
    store.mark_rejected([seq for seq, entry in batch if entry.event_id in refused])
    store.mark_uploaded([seq for seq, entry in batch if entry.event_id not in refused])
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
        self,
        state_dir: Path,
        durability: Durability,
        interval: float,
        ceiling: float = 600.0,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(name="sync", daemon=True)
        self._state_dir = state_dir
        self._durability = durability
        self._clock = clock
        self.backoff = Backoff(interval, max(ceiling, interval))
        self._halt = threading.Event()  # not `_stop`: threading.Thread has a method of that name

    def run(self) -> None:
        store = StateStore(self._state_dir, self._durability)
        try:
            delay = 0.0
            while not self._halt.wait(delay):
                try:
                    report = sync_once(store, self._clock)
                except SyncFailed as failure:
                    # Offline: the departed stays' names go all the same.
                    roster.forget_departed(
                        store, int(self._clock()), int(store.setting("grace_seconds") or 0)
                    )
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
        self._halt.set()
