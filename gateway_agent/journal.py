"""The gate's state directory: one SQLite database in WAL mode.

It holds the device identity, the synced public keys and revocations, the anti-passback counts and the
journal of every scan decided. A scan's journal row and its new anti-passback count are committed in
one transaction *before* the door is driven, so a crash at any moment loses nothing already decided: a
scan is either fully recorded (and then the door may have opened) or not recorded and not acted on.

Durability: ``synchronous=FULL`` (the default here) makes each commit survive a power cut as well as a
killed process, at the cost of one fsync per scan. ``normal`` survives a killed process but may lose
the last scans in a power cut; it is for gates whose storage is too slow for FULL.

SQLite from the standard library rather than a key-value file: a journal that must be appended to,
marked uploaded in batches and read by a second thread (sync) while scans go on is what SQLite's WAL
mode does, with nothing to install on the gate computer.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple

from access.passformat import PublicKeyring, public_key_from_base64url
from gateway_agent.decision import PassbackState

Durability = Literal["full", "normal"]
DATABASE_NAME = "gate.sqlite3"
_STORED, _REJECTED = 1, 2  # journal.uploaded; 0 is waiting

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (kid TEXT PRIMARY KEY, public_key TEXT NOT NULL, not_after TEXT);
CREATE TABLE IF NOT EXISTS revocations (pass_id BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passback (
    pass_id BLOB PRIMARY KEY, inside INTEGER NOT NULL, changed_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    pass_id TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    decision TEXT NOT NULL CHECK (decision IN ('granted', 'denied')),
    reason TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    -- 0 waiting for upload, 1 stored by the server, 2 refused by the server as bad input (kept here,
    -- never sent again). A state in this column rather than a new one: older gates need no migration.
    uploaded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS journal_pending ON journal (seq) WHERE uploaded = 0;
"""


def _unix_seconds(instant: str) -> int:
    """An ISO 8601 instant with its offset, as the server writes them, in UTC unix seconds."""
    parsed = datetime.fromisoformat(instant)
    if parsed.utcoffset() is None:
        raise ValueError(f"an instant needs its offset: {instant!r}")
    return int(parsed.timestamp())


@dataclass(frozen=True, slots=True)
class JournalEntry:
    event_id: uuid.UUID
    pass_id: uuid.UUID | None
    direction: str
    decision: str
    reason: str
    scanned_at: int  # UTC unix seconds


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
    """One connection to the state database. Each thread (deciding, syncing) opens its own."""

    def __init__(self, directory: Path, durability: Durability = "full") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE_NAME
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below), not the module's guess.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._key_rows: tuple[tuple[str, str, str | None], ...] = ()
        self._keys = SyncedKeys({}, {})

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- settings and identity --------------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_settings(self, values: dict[str, str]) -> None:
        with self._transaction() as db:
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
        with self._transaction() as db:
            db.execute("DELETE FROM keys")
            db.executemany("INSERT INTO keys (kid, public_key, not_after) VALUES (?, ?, ?)", rows)

    def keys(self) -> SyncedKeys:
        """The synced keys, parsed once per change of the table (a scan reads them every time)."""
        rows = tuple(self._db.execute("SELECT kid, public_key, not_after FROM keys ORDER BY kid").fetchall())
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
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO revocations (pass_id) VALUES (?)", [(p.bytes,) for p in pass_ids]
            )
            db.execute(
                "INSERT OR REPLACE INTO settings (name, value) VALUES ('revocation_cursor', ?)", (cursor,)
            )

    def revocation_cursor(self) -> int:
        return int(self.setting("revocation_cursor") or 0)

    def is_revoked(self, pass_id: uuid.UUID) -> bool:
        return (
            self._db.execute("SELECT 1 FROM revocations WHERE pass_id = ?", (pass_id.bytes,)).fetchone()
            is not None
        )

    def revoked_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM revocations").fetchone()[0])

    # --- anti-passback and the journal (written by each scan) -------------------------------------

    def passback(self, pass_id: uuid.UUID) -> PassbackState | None:
        row = self._db.execute(
            "SELECT inside, changed_at FROM passback WHERE pass_id = ?", (pass_id.bytes,)
        ).fetchone()
        return None if row is None else PassbackState(inside=row[0], changed_at=row[1])

    @contextmanager
    def scan_transaction(self) -> Iterator[None]:
        """Read the pass's state, decide and record inside one write transaction: two agents sharing a
        state directory (an entry and an exit reader) then never both count the same last place."""
        with self._transaction():
            yield

    def record(self, entry: JournalEntry, passback: PassbackState | None) -> None:
        """The scan and its pass's new count, committed together (and to disk) before the door moves.
        Call inside ``scan_transaction``."""
        db = self._db
        db.execute(
            "INSERT INTO journal (event_id, pass_id, direction, decision, reason, scanned_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                str(entry.event_id),
                None if entry.pass_id is None else str(entry.pass_id),
                entry.direction,
                entry.decision,
                entry.reason,
                entry.scanned_at,
            ),
        )
        if passback is not None and entry.pass_id is not None:
            db.execute(
                "INSERT OR REPLACE INTO passback (pass_id, inside, changed_at) VALUES (?, ?, ?)",
                (entry.pass_id.bytes, passback.inside, passback.changed_at),
            )

    def pending(self, limit: int) -> list[tuple[int, JournalEntry]]:
        """The oldest scans not yet uploaded, with their journal positions."""
        return self._entries("WHERE uploaded = 0 ORDER BY seq LIMIT ?", (limit,))

    def journal(self) -> list[JournalEntry]:
        """Every scan decided here, oldest first."""
        return [entry for _seq, entry in self._entries("ORDER BY seq", ())]

    def _entries(self, clause: str, parameters: tuple[int, ...]) -> list[tuple[int, JournalEntry]]:
        rows = self._db.execute(
            # `clause` is one of this class's own constant strings, never outside text.
            "SELECT seq, event_id, pass_id, direction, decision, reason, scanned_at FROM journal " + clause,  # noqa: S608
            parameters,
        ).fetchall()
        return [
            (seq, JournalEntry(uuid.UUID(event), None if pass_id is None else uuid.UUID(pass_id), *rest))
            for seq, event, pass_id, *rest in rows
        ]

    def mark_uploaded(self, seqs: Sequence[int]) -> None:
        self._mark(seqs, _STORED)

    def mark_rejected(self, seqs: Sequence[int]) -> None:
        """Scans the server refused as bad input: kept in the journal, never offered again, counted."""
        self._mark(seqs, _REJECTED)

    def _mark(self, seqs: Sequence[int], state: int) -> None:
        with self._transaction() as db:
            db.executemany("UPDATE journal SET uploaded = ? WHERE seq = ?", [(state, seq) for seq in seqs])

    def counts(self) -> dict[str, int]:
        total, pending, rejected = self._db.execute(
            "SELECT count(*), coalesce(sum(uploaded = 0), 0), coalesce(sum(uploaded = ?), 0) FROM journal",
            (_REJECTED,),
        ).fetchone()
        keys = self._db.execute("SELECT count(*) FROM keys").fetchone()[0]
        return {
            "journal": int(total),
            "pending_upload": int(pending),
            "rejected": int(rejected),
            "keys": int(keys),
            "revoked": self.revoked_count(),
        }
