"""What changed in the inventory, as the database says it when it commits: the lock-free reads of the
nights taken (an availability search, a hold's first look) are kept in memory until it does.

In the opening-day rush most requests ask for a type that is already sold out, and a search page is
read many times for each booking made: the same nights were read from the database again and again,
most of a refused hold's cost. Here each server process keeps those reads and drops them the moment
they may have gone stale:

- PostgreSQL says so. Triggers (migration 0030) notify the channel ``estivage_inventory`` on every
  row of ``stay_nights`` written (payload: the unit type's id) and when the configuration's version
  moves (payload ``config``). ``NOTIFY`` is sent only when the writing transaction commits, to every
  session listening, whichever process (replica, worker, command) wrote. Each server process listens
  on one connection of its own (``listening``) and moves a generation per unit type on each
  notification.
- This process's own commits move a generation at once, as their connection goes back to the pool,
  without waiting for the notification to come round (a member who cancels and searches again sees
  their own change, whatever the timing).
- A kept read is used only while the listener is connected, its generations are the ones it was read
  at, no hold among its nights has expired since (a hold frees its nights by its clock, without a
  write), and for at most ``KEPT_SECONDS``. A lost listener (PostgreSQL restarted) stops all use until
  it is back, and its return drops everything kept before.

The decisions stay in the database: a hold still takes the unit type's lock and reads its nights again
under it (``booking.locks``) before it writes; only a refusal, or what a search shows, may come from here.
SQLite (the embedded default, one process) has no ``NOTIFY``: nothing is kept there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import Engine, Pool, event
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.domain.availability import TakenNight

logger = logging.getLogger(__name__)

CHANNEL = "estivage_inventory"
# How long a read is kept at most, even with nothing heard: a bound on any change no notification
# announced (a write with the triggers disabled), not what keeps it correct.
KEPT_SECONDS = 30
KEPT_READS = 4096  # distinct stays (unit types × dates) kept per database; all dropped when full
RECONNECT_SECONDS = 1.0
HEARTBEAT_SECONDS = 1.0  # how often the listening connection is asked whether it is still there
IN_FLIGHT = timedelta(seconds=5)  # how long before a read a request may have begun
# Statements that write what a kept read depends on (SQLAlchemy's `after_cursor_execute` sees them all,
# ORM flushes and Core statements alike).
_WATCHED_TABLES = ("stay_nights", "inventory_version")
_CHANGED = "estivage_inventory_changed"  # set in a pooled connection's `info` by a write, until checkin


# A read of the nights taken: the unit types read, first night, end (the departure).
StayKey = tuple[tuple[int, ...], date, date]


@dataclass(frozen=True, slots=True)
class _Stamp:
    """The generations a read was made at."""

    epoch: int
    types: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Kept:
    """A read of the nights taken, with what it was read at."""

    version: int | None
    taken: dict[int, list[TakenNight]]
    stamp: _Stamp
    read_at: datetime
    # The first moment one of its holds lapses: past it, that hold's nights are free again.
    good_until: datetime


@dataclass
class Heard:
    """One database's generations in this process, and the reads kept against them."""

    listeners: int = 0
    # Moves whenever listening starts or stops, and on every change that is not one unit type's alone
    # (the configuration, a write of nights that names no type).
    epoch: int = 0
    types: dict[int, int] = field(default_factory=dict)
    kept: dict[StayKey, Kept] = field(default_factory=dict)

    def stamp(self, key: StayKey) -> _Stamp | None:
        """The generations now, taken before a read (None: nothing may be kept, nobody is listening)."""
        if self.listeners <= 0:
            return None
        return _Stamp(self.epoch, tuple(self.types.get(t, 0) for t in key[0]))

    def recall(self, key: StayKey, now: datetime) -> Kept | None:
        kept = self.kept.get(key)
        if kept is None:
            return None
        if kept.stamp != self.stamp(key) or now >= kept.good_until:
            del self.kept[key]
            return None
        # A request that began a moment before the read (its clock read earlier, the read made by another
        # meanwhile) may use it: the read can only show holds lapsed in that moment as free, and the
        # hold itself reads its nights again under the lock. A clock further back (a test's) may not.
        if now < kept.read_at - IN_FLIGHT:
            return None
        return kept

    def keep(
        self,
        key: StayKey,
        stamp: _Stamp | None,
        version: int | None,
        taken: dict[int, list[TakenNight]],
        read_at: datetime,
        first_lapse: datetime | None,
    ) -> None:
        """Keep a read made at `stamp`; one that a change overtook while it ran (the stamp moved) is not."""
        if stamp is None or stamp != self.stamp(key):
            return
        if len(self.kept) >= KEPT_READS:
            self.kept.clear()
        good_until = read_at + timedelta(seconds=KEPT_SECONDS)
        if first_lapse is not None:
            good_until = min(good_until, first_lapse)
        self.kept[key] = Kept(version, taken, stamp, read_at, good_until)

    def moved(self, payload: str) -> None:
        """A notification: one unit type's nights changed (its id), or anything else ("config")."""
        if payload.isdigit():
            self.type_moved(int(payload))
        else:
            self.everything_moved()

    def type_moved(self, type_id: int) -> None:
        self.types[type_id] = self.types.get(type_id, 0) + 1

    def everything_moved(self) -> None:
        self.epoch += 1
        self.kept.clear()


_heard: dict[str, Heard] = {}


def heard(engine: AsyncEngine | Any) -> Heard:
    """The generations of this engine's database (keyed by its URL, as the configuration snapshots are:
    one process may serve several databases, the tests' does)."""
    key = str(engine.url)
    found = _heard.get(key)
    if found is None:
        found = _heard[key] = Heard()
    return found


def _commit_of_this_process_moves_everything() -> None:
    """Move the generations of the unit types a connection of this process wrote when it goes back to
    the pool, which is after its COMMIT (or ROLLBACK: a needless move then, and a cheap one); the epoch,
    when what it wrote names no unit type (a cancellation deletes a booking's nights by its id).
    Registered on every engine and pool of the process, the ones commands and tests open beside the
    server's included."""

    @event.listens_for(Engine, "after_cursor_execute")
    def _wrote(conn: Any, cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        # Runs for every statement: the cheap tests first. A write of no row (the hold's sweep of
        # lapsed nights, most of the time) changes nothing.
        if (
            (context.isinsert or context.isupdate or context.isdelete)
            and cursor.rowcount != 0
            and any(t in statement for t in _WATCHED_TABLES)
        ):
            type_ids: set[int | None] = conn.info.setdefault(_CHANGED, (str(conn.engine.url), set()))[1]
            if context.isinsert and "inventory_version" not in statement:
                # New nights name their type (a hold's); an update or a delete may take nights from
                # a type its parameters do not name (by booking id): everything moves for those.
                parameters: list[dict[str, Any]] = context.compiled_parameters or [{}]
                type_ids.update(p.get("unit_type_id") for p in parameters)
            else:
                type_ids.add(None)

    @event.listens_for(Pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        url, type_ids = record.info.pop(_CHANGED, (None, ())) if record is not None else (None, ())
        if url is None or (state := _heard.get(url)) is None:
            return
        if None in type_ids:
            state.everything_moved()
        else:
            for type_id in type_ids:
                state.type_moved(type_id)


_commit_of_this_process_moves_everything()


def _dsn(engine: AsyncEngine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def listening(engine: AsyncEngine) -> AsyncIterator[None]:
    """Listen for this database's inventory changes while the server runs (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    state = heard(engine)
    task = asyncio.create_task(_listen(_dsn(engine), state), name="inventory-changes")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _listen(dsn: str, state: Heard) -> None:
    """One connection, LISTENing; opened again whenever it is lost, whatever it failed with (the task
    must outlive any error: without it, nothing is kept, silently, for the life of the process)."""
    while True:
        try:
            await _listen_once(dsn, state)
        except Exception as error:  # logged, and listening starts again
            logger.warning("inventory change listener lost (%r); listening again in a second", error)
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_once(dsn: str, state: Heard) -> None:
    """Listen on one connection until it fails: closed, or silent (a connection a network device
    dropped without a word never says it is lost: it is asked something every second)."""
    lost = asyncio.Event()
    connection = await asyncpg.connect(dsn, timeout=HEARTBEAT_SECONDS * 5)
    try:
        connection.add_termination_listener(lambda _c: lost.set())
        await connection.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: state.moved(payload))
        state.listeners += 1
        state.everything_moved()  # what was kept before this listened may have missed a change
        try:
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=HEARTBEAT_SECONDS)
                if not lost.is_set():
                    await connection.fetchval("SELECT 1", timeout=HEARTBEAT_SECONDS)
            raise ConnectionError("the listening connection was closed")
        finally:
            state.listeners -= 1
            state.everything_moved()
    finally:
        try:
            # Shielded: the server stopping cancels this task, and the connection must still close.
            await asyncio.shield(connection.close(timeout=HEARTBEAT_SECONDS * 2))
        except Exception:  # a connection that stopped answering does not close politely
            connection.terminate()
