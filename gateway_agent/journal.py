"""The gate's state directory: one SQLite database in WAL mode.

It holds the device identity, the synced public keys and revocations, the journal of every scan decided
here and of those its peers and the server told it about, and what the gate staff's tools need (the
roster, ``gateway_agent.roster``; the peers' cursors, ``gateway_agent.peers``). A scan's journal row is
committed *before* the door is driven, so a crash at any moment loses nothing already decided: a scan
is either fully recorded (and then the door may have opened) or not recorded and not acted on.

The anti-passback count is not stored: it is folded from the party's granted crossings in the journal
(``decision.count_inside``) at each scan. So merging another gate's events is inserting rows by event
id, in any order and any number of times, and the count follows by itself.

Durability: ``synchronous=FULL`` (the default here) makes each commit survive a power cut as well as a
killed process, at the cost of one fsync per scan. ``normal`` survives a killed process but may lose
the last scans in a power cut; it is for gates whose storage is too slow for FULL.

SQLite from the standard library rather than a key-value file: a journal that must be appended to,
marked uploaded in batches and read by other threads (sync, peers) while scans go on is what SQLite's
WAL mode does, with nothing to install on the gate computer.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from access.passformat import PublicKeyring, public_key_from_base64url
from gateway_agent.decision import Crossing, GatePolicy, PassbackState, count_inside

Durability = Literal["full", "normal"]
DATABASE_NAME = "gate.sqlite3"
# journal.uploaded: 0 waiting, 1 stored by the server, 2 refused by the server (kept, never sent
# again), 3 another gate's event (its own gate uploads it).
_WAITING, _STORED, _REJECTED, _FOREIGN = 0, 1, 2, 3
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (kid TEXT PRIMARY KEY, public_key TEXT NOT NULL, not_after TEXT);
CREATE TABLE IF NOT EXISTS revocations (pass_id BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    pass_id TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    decision TEXT NOT NULL CHECK (decision IN ('granted', 'denied')),
    reason TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS journal_pending ON journal (seq) WHERE uploaded = 0;
"""

# Schema 2 (gates of one centre share their scans): added to a journal of schema 1 in place, so a
# gate upgraded mid-season keeps its journal and its counts (folded from the same rows).
_JOURNAL_COLUMNS_2 = {
    "booking_id": "TEXT",  # the booking, when the pass, the server or a peer said it
    "party": "TEXT",  # what the crossing counts under: booking_id, else pass_id
    "ordered_at": "INTEGER",  # milliseconds: its place in the party's order (decision.next_stamp)
    "origin": "TEXT",  # the deciding gate's device id; NULL: this gate
    "note": "TEXT",  # a manual override's reason, as the guard typed it
}
_SCHEMA_2 = """
UPDATE journal SET ordered_at = scanned_at * 1000, party = pass_id WHERE ordered_at IS NULL;
DROP TABLE IF EXISTS passback;
CREATE INDEX IF NOT EXISTS journal_party ON journal (party) WHERE decision = 'granted';
CREATE INDEX IF NOT EXISTS journal_pass ON journal (pass_id) WHERE booking_id IS NULL;
CREATE TABLE IF NOT EXISTS pass_bookings (pass_id TEXT PRIMARY KEY, booking_id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roster (
    booking_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    pass_id TEXT,
    centre TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    party_size INTEGER NOT NULL,
    holder TEXT NOT NULL,
    holder_ar TEXT NOT NULL,
    unit TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS roster_code ON roster (code);
CREATE TABLE IF NOT EXISTS peers (
    url TEXT PRIMARY KEY,
    device_id TEXT,
    pushed_seq INTEGER NOT NULL DEFAULT 0,
    pulled_seq INTEGER NOT NULL DEFAULT 0,
    last_ok_at TEXT,
    last_error TEXT
);
"""
_ENTRY_COLUMNS = (
    "seq, event_id, pass_id, direction, decision, reason, scanned_at, booking_id, ordered_at, note, origin"
)
_COUNT_ONLY = GatePolicy(centre="-", timezone=UTC, daily_reset_hour=None)


def _unix_seconds(instant: str) -> int:
    """An ISO 8601 instant with its offset, as the server writes them, in UTC unix seconds."""
    parsed = datetime.fromisoformat(instant)
    if parsed.utcoffset() is None:
        raise ValueError(f"an instant needs its offset: {instant!r}")
    return int(parsed.timestamp())


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _entry(
    event: str, pass_id: str | None, direction: str, decision: str, reason: str, scanned_at: int, *rest: Any
) -> JournalEntry:
    """A journal row (``_ENTRY_COLUMNS`` but the first) as an entry."""
    booking, ordered_at, note, origin = rest
    return JournalEntry(
        uuid.UUID(event),
        _uuid(pass_id),
        direction,
        decision,
        reason,
        scanned_at,
        _uuid(booking),
        ordered_at,
        note,
        origin,
    )


@dataclass(frozen=True, slots=True)
class JournalEntry:
    event_id: uuid.UUID
    pass_id: uuid.UUID | None
    direction: str
    decision: str
    reason: str
    scanned_at: int  # UTC unix seconds, on the deciding gate's clock
    booking_id: uuid.UUID | None = None
    ordered_at: int | None = None  # milliseconds; None: scanned_at's
    note: str | None = None
    origin: str | None = None  # the deciding gate's device id; None: this gate

    @property
    def order(self) -> int:
        return self.scanned_at * 1000 if self.ordered_at is None else self.ordered_at

    @property
    def party(self) -> uuid.UUID | None:
        return self.booking_id if self.booking_id is not None else self.pass_id


class SyncedKeys(NamedTuple):
    public_keys: PublicKeyring
    not_after: Mapping[str, int]  # for a retired key id: the UTC unix second it stops vouching


@dataclass(frozen=True, slots=True)
class Identity:
    server: str
    token: str
    device_id: str
    centre: str
    time_zone: str


class StateStore:
    """One connection to the state database. Each thread (deciding, syncing, peers) opens its own."""

    def __init__(self, directory: Path, durability: Durability = "full") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE_NAME
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below), not the module's guess.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._upgrade()
        self._key_rows: tuple[tuple[str, str, str | None], ...] = ()
        self._keys = SyncedKeys({}, {})

    def _upgrade(self) -> None:
        with self.transaction() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            present = {row[1] for row in db.execute("PRAGMA table_info(journal)")}
            for column, kind in _JOURNAL_COLUMNS_2.items():
                if column not in present:
                    db.execute(f"ALTER TABLE journal ADD COLUMN {column} {kind}")
            for statement in _SCHEMA_2.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Read rows (the other modules of the agent keep their own statements)."""
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    # --- settings and identity --------------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        rows = self.rows("SELECT value FROM settings WHERE name = ?", (name,))
        return None if not rows else str(rows[0][0])

    def set_settings(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", values.items())

    def identity(self) -> Identity | None:
        names = ("server", "token", "device_id", "centre", "time_zone")
        values = [self.setting(name) for name in names]
        if any(value is None for value in values):
            return None
        return Identity(*(str(value) for value in values))

    # --- keys and revocations (written by sync) ---------------------------------------------------

    def replace_keys(self, keys: Iterable[tuple[str, str, str | None]]) -> None:
        """The server's published keys replace the known ones: a retired key stops opening the gate.
        Each is ``(kid, public key in base64url, not_after as an ISO 8601 instant or None)``."""
        rows = list(keys)
        if not rows:
            raise ValueError("an empty key set would refuse every pass: the known keys are kept")
        for _kid, public_key, not_after in rows:
            public_key_from_base64url(public_key)  # refuse a bad key before storing anything
            if not_after is not None:
                _unix_seconds(not_after)
        with self.transaction() as db:
            db.execute("DELETE FROM keys")
            db.executemany("INSERT INTO keys (kid, public_key, not_after) VALUES (?, ?, ?)", rows)

    def keys(self) -> SyncedKeys:
        """The synced keys, parsed once per change of the table (a scan reads them every time)."""
        rows = tuple(self.rows("SELECT kid, public_key, not_after FROM keys ORDER BY kid"))
        if rows != self._key_rows:
            self._keys = SyncedKeys(
                {kid: public_key_from_base64url(key) for kid, key, _ in rows},
                {kid: _unix_seconds(end) for kid, _, end in rows if end is not None},
            )
            self._key_rows = rows
        return self._keys

    def keyring(self) -> PublicKeyring:
        return self.keys().public_keys

    def add_revocations(self, pass_ids: Sequence[uuid.UUID], cursor: int) -> None:
        """Revoked passes and the feed cursor after them, in one transaction: never one without the other."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO revocations (pass_id) VALUES (?)", [(p.bytes,) for p in pass_ids]
            )
            db.execute(
                "INSERT OR REPLACE INTO settings (name, value) VALUES ('revocation_cursor', ?)", (cursor,)
            )

    def revocation_cursor(self) -> int:
        return int(self.setting("revocation_cursor") or 0)

    def is_revoked(self, pass_id: uuid.UUID) -> bool:
        return bool(self.rows("SELECT 1 FROM revocations WHERE pass_id = ?", (pass_id.bytes,)))

    def revoked_count(self) -> int:
        return int(self.rows("SELECT count(*) FROM revocations")[0][0])

    # --- parties: which booking a pass belongs to, and its crossings -------------------------------

    def booking_of(self, pass_id: uuid.UUID) -> uuid.UUID | None:
        rows = self.rows("SELECT booking_id FROM pass_bookings WHERE pass_id = ?", (str(pass_id),))
        return None if not rows else uuid.UUID(rows[0][0])

    def learn_bookings(self, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """Passes and their bookings (from the roster, the scan feed, a peer): the crossings already
        journaled under such a pass id move to its booking's count."""
        rows = [(str(pass_id), str(booking_id)) for pass_id, booking_id in pairs]
        if not rows:
            return
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO pass_bookings (pass_id, booking_id) VALUES (?, ?)", rows)
            db.executemany(
                "UPDATE journal SET booking_id = ?2, party = ?2 WHERE pass_id = ?1 AND booking_id IS NULL",
                rows,
            )

    def crossings(self, party: uuid.UUID) -> list[Crossing]:
        """The party's granted crossings known here, its own and other gates'."""
        return [
            Crossing(direction, ordered_at, uuid.UUID(event_id))
            for direction, ordered_at, event_id in self.rows(
                "SELECT direction, ordered_at, event_id FROM journal"
                " WHERE party = ? AND decision = 'granted'",
                (str(party),),
            )
        ]

    def passback(self, party: uuid.UUID) -> PassbackState | None:
        """The party's count as folded from its crossings, before any daily reset; None if none."""
        crossings = self.crossings(party)
        if not crossings:
            return None
        latest = max(c.ordered_at for c in crossings) // 1000
        return count_inside(crossings, _COUNT_ONLY, latest)

    # --- the journal ------------------------------------------------------------------------------

    @contextmanager
    def scan_transaction(self) -> Iterator[None]:
        """Read the party's crossings, decide and record inside one write transaction: two agents
        sharing a state directory (an entry and an exit reader) then never both count the same last
        place."""
        with self.transaction():
            yield

    def record(self, entry: JournalEntry) -> None:
        """A scan decided here, committed (and to disk) before the door moves; call it inside
        ``scan_transaction``. Its booking, when unknown, is the one the gate learned for its pass."""
        booking = entry.booking_id
        if booking is None and entry.pass_id is not None:
            booking = self.booking_of(entry.pass_id)
        self._insert(entry, booking, _WAITING)

    def _insert(self, entry: JournalEntry, booking: uuid.UUID | None, uploaded: int) -> bool:
        party = booking if booking is not None else entry.pass_id
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO journal (event_id, pass_id, direction, decision, reason, scanned_at,"
            " uploaded, booking_id, party, ordered_at, origin, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(entry.event_id),
                _text(entry.pass_id),
                entry.direction,
                entry.decision,
                entry.reason,
                entry.scanned_at,
                uploaded,
                _text(booking),
                _text(party),
                entry.order,
                entry.origin,
                entry.note,
            ),
        )
        return inserted.rowcount == 1

    def merge(self, entries: Iterable[JournalEntry]) -> int:
        """Other gates' events (``origin`` set), stored once by event id whatever their order and
        however often they come: the number new here. The bookings they name are learned."""
        entries = list(entries)
        with self.transaction():
            self.learn_bookings(
                (e.pass_id, e.booking_id) for e in entries if e.pass_id is not None and e.booking_id
            )
            new = 0
            for entry in entries:
                booking = entry.booking_id
                if booking is None and entry.pass_id is not None:
                    booking = self.booking_of(entry.pass_id)
                new += self._insert(entry, booking, _FOREIGN)
        return new

    def pending(self, limit: int) -> list[tuple[int, JournalEntry]]:
        """The oldest scans decided here not yet uploaded, with their journal positions."""
        return self._entries("WHERE uploaded = 0 ORDER BY seq LIMIT ?", (limit,))

    def journal(self) -> list[JournalEntry]:
        """Every scan decided here, oldest first (not those other gates told this one about)."""
        return [entry for _seq, entry in self._entries("WHERE origin IS NULL ORDER BY seq", ())]

    def events_since(self, seq: int, limit: int) -> list[tuple[int, JournalEntry]]:
        """Every event this gate knows (its own and others'), in the order it learned them."""
        return self._entries("WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))

    def last_seq(self) -> int:
        return int(self.rows("SELECT coalesce(max(seq), 0) FROM journal")[0][0])

    def _entries(self, clause: str, parameters: tuple[int, ...]) -> list[tuple[int, JournalEntry]]:
        rows = self.rows(
            # `clause` is one of this class's own constant strings, never outside text.
            f"SELECT {_ENTRY_COLUMNS} FROM journal " + clause,  # noqa: S608
            parameters,
        )
        return [(row[0], _entry(*row[1:])) for row in rows]

    def mark_uploaded(self, seqs: Sequence[int]) -> None:
        self._mark(seqs, _STORED)

    def mark_rejected(self, seqs: Sequence[int]) -> None:
        """Scans the server refused: kept in the journal, never offered again, counted."""
        self._mark(seqs, _REJECTED)

    def _mark(self, seqs: Sequence[int], state: int) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE journal SET uploaded = ? WHERE seq = ?", [(state, seq) for seq in seqs])

    def counts(self) -> dict[str, int]:
        total, pending, rejected = self.rows(
            "SELECT coalesce(sum(origin IS NULL), 0), coalesce(sum(uploaded = ?), 0),"
            " coalesce(sum(uploaded = ?), 0) FROM journal",
            (_WAITING, _REJECTED),
        )[0]
        keys = self.rows("SELECT count(*) FROM keys")[0][0]
        return {
            "journal": int(total),
            "pending_upload": int(pending),
            "rejected": int(rejected),
            "keys": int(keys),
            "revoked": self.revoked_count(),
        }

    def merged_count(self) -> int:
        """Events other gates decided that this one knows."""
        return int(self.rows("SELECT count(*) FROM journal WHERE origin IS NOT NULL")[0][0])
