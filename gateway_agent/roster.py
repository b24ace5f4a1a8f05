"""The roster on the gate: its centre's stays of the coming days, as the last sync brought them.

It is what a guard's typed booking code is looked up in (``gateway_agent.desk``), and what puts a
holder's name and party beside a decision. Names are personal data: the server sends only the stays
under way or starting within a few days, each sync replaces the whole roster (a cancelled stay goes),
and a stay is forgotten once its departure and the gate's grace have passed, synced or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway_agent.decision import Holder
from gateway_agent.journal import StateStore

_COLUMNS = "booking_id, code, pass_id, centre, valid_from, valid_until, party_size, holder, holder_ar, unit"


@dataclass(frozen=True, slots=True)
class RosterStay:
    booking_id: uuid.UUID
    code: str  # as printed, XXXX-XXXX
    pass_id: uuid.UUID | None  # the live pass when the roster was synced; None if none was issued
    centre: str
    valid_from: int  # UTC unix seconds, the stay's window as its pass carries it
    valid_until: int
    party_size: int
    holder: str
    holder_ar: str
    unit: str

    @property
    def as_holder(self) -> Holder:
        return Holder(
            self.pass_id, self.booking_id, self.centre, self.valid_from, self.valid_until, self.party_size
        )

    def describe(self) -> dict[str, str | int]:
        """What the guard is shown beside the decision."""
        return {
            "booking_code": self.code,
            "holder": self.holder,
            "holder_ar": self.holder_ar,
            "party_size": self.party_size,
            "unit": self.unit,
        }


def _stay(row: Sequence[Any]) -> RosterStay:
    booking, code, pass_id, centre, valid_from, valid_until, party_size, holder, holder_ar, unit = row
    return RosterStay(
        uuid.UUID(booking),
        str(code),
        None if pass_id is None else uuid.UUID(pass_id),
        str(centre),
        int(valid_from),
        int(valid_until),
        int(party_size),
        str(holder),
        str(holder_ar),
        str(unit),
    )


def replace(
    store: StateStore, stays: Iterable[RosterStay], passes: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> int:
    """The synced roster replaces the one held; ``passes`` (every pass of those bookings, with its
    booking) are learned for good: a version 1 pass then counts with its booking."""
    rows = [
        (
            str(s.booking_id),
            s.code,
            None if s.pass_id is None else str(s.pass_id),
            s.centre,
            s.valid_from,
            s.valid_until,
            s.party_size,
            s.holder,
            s.holder_ar,
            s.unit,
        )
        for s in stays
    ]
    with store.transaction() as db:
        db.execute("DELETE FROM roster")
        db.executemany(
            f"INSERT OR REPLACE INTO roster ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            rows,
        )
        store.learn_bookings(passes)
    return len(rows)


def find(store: StateStore, code: str, now: int, grace_seconds: int) -> list[RosterStay]:
    """The stays with this code (as printed) not yet departed: one, none, or (rarely) two."""
    return [
        _stay(row)
        for row in store.rows(
            f"SELECT {_COLUMNS} FROM roster WHERE code = ? AND valid_until + ? > ?",  # noqa: S608 - constant columns
            (code, grace_seconds, now),
        )
    ]


def of_booking(store: StateStore, booking_id: uuid.UUID) -> RosterStay | None:
    rows = store.rows(
        f"SELECT {_COLUMNS} FROM roster WHERE booking_id = ?",  # noqa: S608 - constant columns
        (str(booking_id),),
    )
    return _stay(rows[0]) if rows else None


def forget_departed(store: StateStore, now: int, grace_seconds: int) -> int:
    """Drop the stays whose departure (and the gate's grace) has passed: their names go with them."""
    with store.transaction() as db:
        return db.execute("DELETE FROM roster WHERE valid_until + ? <= ?", (grace_seconds, now)).rowcount


def count(store: StateStore) -> int:
    return int(store.rows("SELECT count(*) FROM roster")[0][0])
