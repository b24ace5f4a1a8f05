"""One scan, start to finish: decide, journal, then drive the door.

The order is the guarantee: the journal row (and the pass's new anti-passback count) is committed
before the door moves and before the decision is printed. A crash before the commit leaves no trace and
no open door; a crash after it leaves the scan recorded, to be uploaded at the next sync.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from gateway_agent.decision import Decision, Direction, GatePolicy, PassbackState, decide
from gateway_agent.door import Door
from gateway_agent.journal import Identity, JournalEntry, StateStore

Clock = Callable[[], float]

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


class _Passback(Mapping[uuid.UUID, PassbackState]):
    """The anti-passback counts, read lazily for the pass being decided."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, pass_id: uuid.UUID) -> PassbackState:
        state = self._store.passback(pass_id)
        if state is None:
            raise KeyError(pass_id)
        return state

    def __iter__(self) -> Iterator[uuid.UUID]:  # pragma: no cover - decide() only looks passes up
        raise NotImplementedError("the gate never lists every pass")

    def __len__(self) -> int:  # pragma: no cover - decide() only looks passes up
        raise NotImplementedError("the gate never counts every pass")


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
        self._passback = _Passback(store)

    def scan(self, payload: str, direction: Direction) -> ScanOutcome:
        at = int(self.clock())
        event_id = uuid.uuid4()
        with self.store.scan_transaction():
            keys = self.store.keys()
            decision = decide(
                payload.strip(),
                direction,
                policy=self.policy,
                public_keys=keys.public_keys,
                revoked=self._revoked,
                passback=self._passback,
                now=at,
                keys_not_after=keys.not_after,
            )
            self.store.record(
                JournalEntry(
                    event_id=event_id,
                    pass_id=decision.pass_id,
                    direction=direction,
                    decision="granted" if decision.granted else "denied",
                    reason=decision.reason,
                    scanned_at=at,
                ),
                decision.passback,
            )
        if decision.granted:
            self.door.grant(decision.reason)
        else:
            self.door.refuse(decision.reason)
        return ScanOutcome(decision, event_id, at)
