"""The gates of one centre share their journals over the LAN, directly, without the server.

``run --listen HOST:PORT --peer URL ...`` starts a small HTTP server for the other gates and one link
per peer. A link pushes this gate's new events at once (the scan wakes it, after the journal commit:
a decision never waits on the network), and when its peer answers again after a silence, or every
``interval`` seconds otherwise, pulls what that peer knows since the last pull. Events carry their ids,
so the merge is idempotent: any order, any repeat, the same journal and the same counts. A gate also
passes on what it learned from one peer to the others, so a gate that reaches only one of its peers
still hears from all. Cursors are kept in the state database; a killed gate resumes where it was.

    POST /peer/events  {"events": [event...]}            -> {"stored": n, "refused": n, "device_id"}
    GET  /peer/events?since=SEQ&limit=N                  -> {"events": [...], "cursor": SEQ, "device_id"}

Events are as ``gateway_agent.events`` writes them. Each request and each answer carries a header
``X-Estivage-Peer: kid=K; device=D; mac=HEX``: HMAC-SHA256 keyed with the text of the centre's peer
key ``K`` as handed to every gate of the centre at enrolment and each sync (``access.peer_keys``), over

    request:  "estivage-peer-1\\n" centre "\\n" K "\\n" D "\\n" METHOD " " PATH?QUERY "\\n" body
    answer:   "estivage-peer-1 answer\\n" the request's mac "\\n" STATUS "\\n" body

so only a gate enrolled at the same centre is believed (another centre's key gives another mac), and
an answer belongs to its request. A replayed message does no harm: merging is idempotent. Anything
else that reaches the port (a wrong mac, an unknown key, not this protocol) is refused and logged. The
messages are not encrypted: they hold ids and times, never names.

HMAC on each message rather than mutual TLS: the centre's key comes with the enrolment the gate already
does, nothing to issue, install or renew on a gate computer; ``hmac`` and ``http.server`` are in the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from gateway_agent.events import EventRefused, from_wire, to_wire
from gateway_agent.journal import Durability, JournalEntry, StateStore

logger = logging.getLogger("gateway_agent.peers")

HEADER = "X-Estivage-Peer"
PATH = "/peer/events"
BATCH = 200
MAX_BODY = 1 << 20
# The peers' own writes (merged events, cursors) need no fsync each: a power cut loses at most the last
# of them, consistently (WAL), and what is lost is pulled again, since a pull cursor moves in the same
# transaction as the events it brought. The scans' own commits keep the gate's chosen durability.
PEER_DURABILITY: Durability = "normal"
NOTE_EVERY = 10.0  # seconds between two writes of a healthy peer's last_ok_at
TIMEOUT = httpx.Timeout(3.0, connect=1.0)
_HEADER_FIELDS = re.compile(r"kid=([^;\s]{1,16}); device=([^;\s]{1,64}); mac=([0-9a-f]{64})")
Clock = Callable[[], float]


class PeerRefused(Exception):
    """A message that does not prove it comes from a gate of this centre."""


class PeerUnreachable(Exception):
    """The peer did not answer (down, cut off, or not a gate of this centre)."""


class Credentials:
    """This gate's proof to its peers: its centre, device id and the centre's keys (newest first)."""

    def __init__(self, centre: str, device: str, keys: list[tuple[str, str]]) -> None:
        if not keys:
            raise ValueError("no peer key: sync with a server that hands them out (GET /api/access/device)")
        self.centre = centre
        self.device = device
        self.keys = {kid: key.encode("ascii") for kid, key in keys}
        self.signing_kid = keys[0][0]

    @classmethod
    def of(cls, store: StateStore) -> Credentials:
        identity = store.identity()
        if identity is None:
            raise ValueError("this gate is not enrolled")
        keys = [(str(kid), str(key)) for kid, key in json.loads(store.setting("peer_keys") or "[]")]
        return cls(identity.centre, identity.device_id, keys)

    def _mac(self, kid: str, text: bytes) -> str:
        return hmac.new(self.keys[kid], text, hashlib.sha256).hexdigest()

    def _request_text(self, kid: str, device: str, method: str, target: str, body: bytes) -> bytes:
        return f"estivage-peer-1\n{self.centre}\n{kid}\n{device}\n{method} {target}\n".encode() + body

    def sign_request(self, method: str, target: str, body: bytes) -> tuple[str, str]:
        """The header's value, and the mac the answer must be bound to."""
        mac = self._mac(
            self.signing_kid, self._request_text(self.signing_kid, self.device, method, target, body)
        )
        return f"kid={self.signing_kid}; device={self.device}; mac={mac}", mac

    def check_request(
        self, header: str | None, method: str, target: str, body: bytes
    ) -> tuple[str, str, str]:
        """The sender's (kid, device, mac), or PeerRefused."""
        found = _HEADER_FIELDS.fullmatch(header or "")
        if found is None:
            raise PeerRefused(f"no {HEADER} header: not a gate")
        kid, device, mac = found.groups()
        if kid not in self.keys:
            raise PeerRefused(f"key {kid!r} is not this centre's (another centre's gate, or one not synced)")
        if not hmac.compare_digest(
            mac, self._mac(kid, self._request_text(kid, device, method, target, body))
        ):
            raise PeerRefused(f"bad mac from device {device} (another centre's gate, or an altered message)")
        return kid, device, mac

    def sign_answer(self, kid: str, request_mac: str, status: int, body: bytes) -> str:
        mac = self._mac(kid, f"estivage-peer-1 answer\n{request_mac}\n{status}\n".encode() + body)
        return f"kid={kid}; device={self.device}; mac={mac}"

    def check_answer(self, header: str | None, request_mac: str, status: int, body: bytes) -> None:
        found = _HEADER_FIELDS.fullmatch(header or "")
        if found is None or found.group(1) not in self.keys:
            raise PeerRefused("the answer is not signed with this centre's key")
        kid, _device, mac = found.groups()
        expected = self._mac(kid, f"estivage-peer-1 answer\n{request_mac}\n{status}\n".encode() + body)
        if not hmac.compare_digest(mac, expected):
            raise PeerRefused("the answer's mac does not hold")


def _read_events(items: Any, clock: Clock, sender: str) -> list[JournalEntry]:
    if not isinstance(items, list) or len(items) > 5 * BATCH:
        raise PeerRefused("events is not a list of a few hundred")
    entries = []
    for item in items:
        try:
            entries.append(from_wire(item, clock()))
        except EventRefused as refused:
            logger.warning("peer %s sent an event this gate refuses: %s", sender, refused)
    return entries


class PeerServer(ThreadingHTTPServer):
    """Answers the peers' pushes and pulls; one connection to the state database, shared by its
    request threads (the store's lock serialises them) and closed only once none uses it."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: StateStore, clock: Clock, on_new: Callable[[], None]):
        self._store = store
        self._using = threading.Lock()
        self._closed = False
        self.clock = clock
        self.on_new = on_new
        super().__init__(address, _Handler)

    @contextmanager
    def store(self) -> Iterator[StateStore]:
        with self._using:
            if self._closed:
                raise PeerRefused("this gate is stopping")
            yield self._store

    def close_store(self) -> None:
        with self._using:
            self._closed = True
            self._store.close()

    def handle_error(self, _request: Any, client_address: Any) -> None:
        """A peer that hangs up before its whole answer is written, or a gate stopping under a request, is
        a line in the log, not socketserver's traceback on stderr; anything else keeps its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, PeerRefused)):
            logger.info("a peer request from %s ended early: %r", client_address[0], error)
            return
        logger.exception("a peer request from %s failed", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    server: PeerServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # a peer's idle kept-alive connection is closed after this

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: Any) -> None:  # not this protocol at all: said, refused
        logger.warning("refused from %s: %s", self.address_string(), format % args)

    def _answer(
        self, status: int, document: dict[str, Any], signed: tuple[Credentials, str, str] | None
    ) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if signed is not None:
            credentials, kid, request_mac = signed
            self.send_header(HEADER, credentials.sign_answer(kid, request_mac, status, body))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        # Read before anyone is authenticated: anything but a count of bytes is refused, not a traceback
        # (a negative count would read until the sender hangs up).
        given = self.headers.get("Content-Length") or "0"
        length = int(given) if given.isascii() and given.isdigit() else None
        if length is None or length > MAX_BODY:
            self._answer(400 if length is None else 413, {"error": "bad Content-Length"}, None)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        try:
            with self.server.store() as store:
                credentials = Credentials.of(store)
            kid, device, mac = credentials.check_request(
                self.headers.get(HEADER), self.command, self.path, body
            )
        except (PeerRefused, ValueError) as refused:
            logger.warning("refused a peer message from %s: %s", self.address_string(), refused)
            self._answer(401, {"error": "not a gate of this centre"}, None)
            return
        signed = (credentials, kid, mac)
        target = urlsplit(self.path)
        if target.path != PATH:
            self._answer(404, {"error": "no such path"}, signed)
            return
        try:
            document = self._pull(target.query) if self.command == "GET" else self._push(body, device)
        except (PeerRefused, ValueError) as refused:
            logger.warning("refused a peer message from device %s: %s", device, refused)
            self._answer(400, {"error": str(refused)}, signed)
            return
        self._answer(200, {**document, "device_id": credentials.device}, signed)

    def _push(self, body: bytes, device: str) -> dict[str, Any]:
        document = json.loads(body) if body else None
        items = document.get("events") if isinstance(document, dict) else None  # else refused below
        entries = _read_events(items, self.server.clock, device)
        with self.server.store() as store:
            stored = store.merge(entries)
        if stored:
            logger.info("peer %s: %d new events", device, stored)
            self.server.on_new()  # passed on to the other peers
        return {"stored": stored, "refused": len(items or []) - len(entries)}

    def _pull(self, query: str) -> dict[str, Any]:
        parameters = parse_qs(query)
        since = int(parameters.get("since", ["0"])[0])
        limit = min(int(parameters.get("limit", [str(BATCH)])[0]), BATCH)
        with self.server.store() as store:
            own = Credentials.of(store).device
            rows = store.events_since(since, limit)
        return {"events": [to_wire(e, own) for _seq, e in rows], "cursor": rows[-1][0] if rows else since}

    do_GET = do_POST = _serve  # noqa: N815 - http.server's naming


class PeerLink(threading.Thread):
    """One peer: push this gate's new events when woken, pull the peer's when it comes back (and every
    ``interval``); back off while it does not answer. Its own connection to the state database."""

    def __init__(self, url: str, state_dir: Path, clock: Clock, interval: float = 2.0) -> None:
        super().__init__(name=f"peer {url}", daemon=True)
        self.url = url.rstrip("/")
        self._state_dir = state_dir
        self._clock = clock
        self.interval = interval
        self.wake = threading.Event()
        self._halt = threading.Event()  # not `_stop`: threading.Thread has a method of that name
        self.reachable = False
        self._failure = ""  # the last failure said, so that a peer down for hours is said once
        self._noted = -NOTE_EVERY
        # What this peer acknowledged, kept here and written every NOTE_EVERY: a cursor lost in a crash
        # only means events pushed again, which the peer counts as already known.
        self._pushed: int | None = None
        self._pushed_written = 0

    def stop(self) -> None:
        self._halt.set()
        self.wake.set()

    def run(self) -> None:
        store = StateStore(self._state_dir, PEER_DURABILITY)
        with store.transaction() as db:
            db.execute("INSERT OR IGNORE INTO peers (url) VALUES (?)", (self.url,))
        delay = 0.0
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                while not self._halt.is_set():
                    woken = self.wake.wait(delay)
                    self.wake.clear()
                    if self._halt.is_set():
                        return
                    delay = self._exchange(client, store, pull=not woken)
        finally:
            self._write_pushed(store)
            store.close()

    def _exchange(self, client: httpx.Client, store: StateStore, *, pull: bool) -> float:
        """One round: pull when the peer comes back and when no scan woke the link (the peer pushes
        its own at once); push what it has not acknowledged. The time to wait before the next round."""
        try:
            credentials = Credentials.of(store)
            if not self.reachable:
                self._pull(client, store, credentials)
                logger.info("peer %s reachable", self.url)
                self.reachable = True
            self._push(client, store, credentials)
            if pull:
                self._pull(client, store, credentials)
        except (PeerUnreachable, PeerRefused, ValueError) as failure:
            if str(failure) != self._failure:
                logger.warning("peer %s: %s", self.url, failure)
                self._failure = str(failure)
                self._note(store, error=str(failure))
            self.reachable = False
            return min(self.interval, 2.0)
        if self._failure or time.monotonic() - self._noted >= NOTE_EVERY:
            self._note(store, error=None)
            self._write_pushed(store)
        self._failure = ""
        return self.interval

    def _note(self, store: StateStore, error: str | None) -> None:
        self._noted = time.monotonic()
        with store.transaction() as db:
            if error is None:
                db.execute(
                    "UPDATE peers SET last_ok_at = ?, last_error = NULL WHERE url = ?",
                    (int(self._clock()), self.url),
                )
            else:
                db.execute("UPDATE peers SET last_error = ? WHERE url = ?", (error[:300], self.url))

    def _cursor(self, store: StateStore) -> tuple[int, int, str | None]:
        pushed, pulled, device = store.rows(
            "SELECT pushed_seq, pulled_seq, device_id FROM peers WHERE url = ?", (self.url,)
        )[0]
        return int(pushed), int(pulled), device

    def _call(
        self, client: httpx.Client, credentials: Credentials, method: str, target: str, body: bytes = b""
    ) -> dict[str, Any]:
        header, mac = credentials.sign_request(method, target, body)
        try:
            response = client.request(
                method,
                self.url + target,
                content=body or None,
                headers={HEADER: header, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as error:
            raise PeerUnreachable(f"unreachable: {error}") from error
        if response.status_code == 401:
            raise PeerRefused("the peer refuses this gate's key (another centre, or a key not yet synced)")
        credentials.check_answer(response.headers.get(HEADER), mac, response.status_code, response.content)
        if response.status_code != 200:
            raise PeerUnreachable(f"HTTP {response.status_code}: {response.text[:200]}")
        document = response.json()
        if not isinstance(document, dict):
            raise PeerRefused("the answer is not an object")
        return document

    def _write_pushed(self, store: StateStore) -> None:
        if self._pushed is not None and self._pushed != self._pushed_written:
            with store.transaction() as db:
                db.execute("UPDATE peers SET pushed_seq = ? WHERE url = ?", (self._pushed, self.url))
            self._pushed_written = self._pushed

    def _push(self, client: httpx.Client, store: StateStore, credentials: Credentials) -> None:
        while True:
            written, _pulled, device = self._cursor(store)
            pushed = written if self._pushed is None else self._pushed
            rows = store.events_since(pushed, BATCH)
            if not rows:
                return
            # Not what this peer itself told us: it knows it.
            events = [
                to_wire(e, credentials.device) for _seq, e in rows if e.origin is None or e.origin != device
            ]
            if events:
                self._call(client, credentials, "POST", PATH, json.dumps({"events": events}).encode())
            self._pushed = rows[-1][0]

    def _pull(self, client: httpx.Client, store: StateStore, credentials: Credentials) -> None:
        while True:
            _pushed, pulled, known_device = self._cursor(store)
            document = self._call(client, credentials, "GET", f"{PATH}?since={pulled}&limit={BATCH}")
            device = str(document.get("device_id", ""))
            entries = _read_events(document.get("events"), self._clock, device)
            cursor = int(document.get("cursor", pulled))
            if cursor <= pulled and device == known_device:
                return  # nothing new: no write
            with store.transaction() as db:
                new = store.merge(entries)
                db.execute(
                    "UPDATE peers SET pulled_seq = ?, device_id = ? WHERE url = ?", (cursor, device, self.url)
                )
            if new:
                logger.info("peer %s: %d new events pulled", self.url, new)
            if cursor <= pulled:
                return


class Peers:
    """The listener and the links of ``run``; ``notify`` after each scan wakes every link."""

    def __init__(
        self,
        listen: tuple[str, int] | None,
        urls: list[str],
        state_dir: Path,
        clock: Clock,
        interval: float = 2.0,
    ) -> None:
        self.links = [PeerLink(url, state_dir, clock, interval) for url in urls]
        self._server: PeerServer | None = None
        if listen is not None:
            self._server = PeerServer(listen, StateStore(state_dir, PEER_DURABILITY), clock, self.notify)

    def notify(self) -> None:
        for link in self.links:
            link.wake.set()

    def start(self) -> None:
        if self._server is not None:
            threading.Thread(target=self._server.serve_forever, name="peer server", daemon=True).start()
            host, port = str(self._server.server_address[0]), int(self._server.server_address[1])
            with self._server.store() as store:  # `--listen HOST:0` picks a free port: `status` says which
                store.set_settings({"peer_listen": f"{host}:{port}"})
            logger.info("listening for peers on %s:%s", host, port)
        for link in self.links:
            link.start()

    def stop(self) -> None:
        for link in self.links:
            link.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_store()
        for link in self.links:
            link.join(timeout=5)
