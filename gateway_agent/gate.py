"""One scan, start to finish: decide, journal, then drive the door.

The order is the guarantee: the journal row is committed before the door moves and before the decision
is printed. A crash before the commit leaves no trace and no open door; a crash after it leaves the
scan recorded, to be uploaded at the next sync and pushed to the peers.

The same path serves a pass read by the camera or the scanner, a booking a guard found by its code, and
a guard's override: each is decided inside one write transaction on what the gate knows at that
instant (never waiting on the network), journaled, and only then acted on.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from gateway_agent import decision as rules
from gateway_agent.decision import Decision, Direction, GatePolicy, Holder, PassbackState
from gateway_agent.door import Door
from gateway_agent.journal import Identity, JournalEntry, StateStore

Clock = Callable[[], float]
Listener = Callable[[], None]

DEFAULT_GRACE_SECONDS = 15 * 60
DEFAULT_RESET_HOUR = 4


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    decision: Decision
    event_id: uuid.UUID
    scanned_at: int

    def as_json(self) -> dict[str, str | None]:
        return {
            "decision": "granted" if self.decision.granted else "denied",
            "reason": self.decision.reason,
            "pass_id": None if self.decision.pass_id is None else str(self.decision.pass_id),
            "event_id": str(self.event_id),
        }


class _Revoked(Container[uuid.UUID]):
    """The synced revocations, read from the state database only for the pass being decided."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __contains__(self, pass_id: object) -> bool:
        return isinstance(pass_id, uuid.UUID) and self._store.is_revoked(pass_id)


class _Bookings(Mapping[uuid.UUID, uuid.UUID]):
    """Which booking a version 1 pass belongs to, as the server or a peer told this gate."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, pass_id: uuid.UUID) -> uuid.UUID:
        booking = self._store.booking_of(pass_id)
        if booking is None:
            raise KeyError(pass_id)
        return booking

    def __iter__(self) -> Iterator[uuid.UUID]:  # pragma: no cover - the rules only look passes up
        raise NotImplementedError("the gate never lists every pass")

    def __len__(self) -> int:  # pragma: no cover - the rules only look passes up
        raise NotImplementedError("the gate never counts every pass")


class _Passback(Mapping[uuid.UUID, PassbackState]):
    """A party's count, folded from its crossings in the journal for the one being decided; remembers
    the latest place in the party's order it saw, for the new crossing's stamp."""

    def __init__(self, store: StateStore, policy: GatePolicy, at: int) -> None:
        self._store = store
        self._policy = policy
        self._at = at
        self.latest: dict[uuid.UUID, int] = {}

    def __getitem__(self, party: uuid.UUID) -> PassbackState:
        crossings = self._store.crossings(party)
        if not crossings:
            raise KeyError(party)
        self.latest[party] = max(c.ordered_at for c in crossings)
        return rules.count_inside(crossings, self._policy, self._at)

    def __iter__(self) -> Iterator[uuid.UUID]:  # pragma: no cover - the rules only look parties up
        raise NotImplementedError("the gate never lists every party")

    def __len__(self) -> int:  # pragma: no cover - the rules only look parties up
        raise NotImplementedError("the gate never counts every party")


@dataclass(frozen=True, slots=True)
class _Instant:
    """What a decision may read, at the instant it is taken."""

    at: int
    passback: _Passback
    bookings: _Bookings


def policy_for(store: StateStore, identity: Identity) -> GatePolicy:
    reset = store.setting("daily_reset_hour")
    grace = store.setting("grace_seconds")
    return GatePolicy(
        centre=identity.centre,
        timezone=ZoneInfo(identity.time_zone),
        grace_seconds=DEFAULT_GRACE_SECONDS if grace is None else int(grace),
        daily_reset_hour=DEFAULT_RESET_HOUR if reset is None else (None if reset == "none" else int(reset)),
    )


class Gate:
    def __init__(self, store: StateStore, policy: GatePolicy, door: Door, clock: Clock = time.time) -> None:
        self.store = store
        self.policy = policy
        self.door = door
        self.clock = clock
        self._revoked = _Revoked(store)
        self._bookings = _Bookings(store)
        self._listeners: list[Listener] = []

    def on_recorded(self, listener: Listener) -> None:
        """Called after each scan is committed (the peers push it at once); never while deciding."""
        self._listeners.append(listener)

    def scan(self, payload: str, direction: Direction) -> ScanOutcome:
        """A pass read by the camera, the scanner or given on the command line."""

        def decide(now: _Instant) -> Decision:
            keys = self.store.keys()
            return rules.decide(
                payload.strip(),
                direction,
                policy=self.policy,
                public_keys=keys.public_keys,
                revoked=self._revoked,
                passback=now.passback,
                now=now.at,
                keys_not_after=keys.not_after,
                bookings=now.bookings,
            )

        return self._act(decide, direction)

    def admit(self, holder: Holder, direction: Direction) -> ScanOutcome:
        """A booking a guard found by its code in the roster: the same rules as its pass."""

        def decide(now: _Instant) -> Decision:
            return rules.judge(
                holder,
                direction,
                policy=self.policy,
                revoked=self._revoked,
                passback=now.passback,
                now=now.at,
                bookings=now.bookings,
            )

        return self._act(decide, direction)

    def override(self, holder: Holder, note: str) -> ScanOutcome:
        """A guard lets the holder in, whatever the rules say, for the reason they give."""

        def decide(now: _Instant) -> Decision:
            return rules.override(
                holder, policy=self.policy, passback=now.passback, now=now.at, bookings=now.bookings
            )

        return self._act(decide, "in", note)

    def refuse_unknown(self, reason: rules.StaffReason) -> ScanOutcome:
        """A code typed that names no booking of the roster (or two): journaled, so tries are seen."""
        return self._act(lambda _now: Decision(False, reason, None), "in")

    def _act(
        self, decide: Callable[[_Instant], Decision], direction: Direction, note: str | None = None
    ) -> ScanOutcome:
        at_ms = int(self.clock() * 1000)
        at = at_ms // 1000
        event_id = uuid.uuid4()
        with self.store.scan_transaction():
            now = _Instant(at, _Passback(self.store, self.policy, at), self._bookings)
            decision = decide(now)
            party = decision.party
            latest = None if party is None else now.passback.latest.get(party)
            self.store.record(
                JournalEntry(
                    event_id=event_id,
                    pass_id=decision.pass_id,
                    direction=direction,
                    decision="granted" if decision.granted else "denied",
                    reason=decision.reason,
                    scanned_at=at,
                    booking_id=decision.booking_id,
                    ordered_at=rules.next_stamp(at_ms, latest),
                    note=note,
                )
            )
        if decision.granted:
            self.door.grant(decision.reason)
        else:
            self.door.refuse(decision.reason)
        for listener in self._listeners:
            listener()
        return ScanOutcome(decision, event_id, at)
