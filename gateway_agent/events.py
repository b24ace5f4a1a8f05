"""Scan events as gates send them to each other and as the server's scan feed gives them (JSON).

One strict reader for both: an event whose fields are not what this module writes is refused on its
own (``ValueError``), never stored, never a crash. An event dated further ahead of this gate's clock than
``MAX_AHEAD`` (a peer whose clock says 9999) or older than ``MAX_AGE`` is refused too: folded into a
party's count, it would keep the party inside for good, as the server refuses it for the same reason.

::

    {"event_id": UUID, "device_id": the deciding gate, "pass_id": UUID|null, "booking_id": UUID|null,
     "direction": "in"|"out", "decision": "granted"|"denied", "reason": [a-z_]{1,32},
     "note": str|null (a guard's override reason, <= 200), "scanned_at": ISO 8601 with offset,
     "ordered_at": ISO 8601 with offset, milliseconds (its place in its party's order; null: scanned_at)}
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway_agent.journal import JournalEntry

MAX_AHEAD = timedelta(hours=1)
MAX_AGE = timedelta(days=120)
MAX_NOTE_LENGTH = 200
_REASON = re.compile(r"[a-z_]{1,32}")
_DEVICE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class EventRefused(ValueError):
    """An event this gate will not store: malformed, or dated where no working clock would put it."""


def instant(seconds: float, *, milliseconds: bool = False) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(
        timespec="milliseconds" if milliseconds else "seconds"
    )


def to_wire(entry: JournalEntry, own_device: str) -> dict[str, Any]:
    """An event of this gate's journal, its own (``origin`` None: ``own_device``) or another's."""
    return {
        "event_id": str(entry.event_id),
        "device_id": entry.origin or own_device,
        "pass_id": None if entry.pass_id is None else str(entry.pass_id),
        "booking_id": None if entry.booking_id is None else str(entry.booking_id),
        "direction": entry.direction,
        "decision": entry.decision,
        "reason": entry.reason,
        "note": entry.note,
        "scanned_at": instant(entry.scanned_at),
        "ordered_at": instant(entry.order / 1000, milliseconds=True),
    }


def _optional_uuid(document: dict[str, Any], name: str) -> uuid.UUID | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EventRefused(f"{name} is not a UUID: {value!r}")
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise EventRefused(f"{name} is not a UUID: {value!r}") from error


def _when(document: dict[str, Any], name: str, now: float) -> float:
    value = document.get(name)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() is None:
        raise EventRefused(f"{name} is not an ISO 8601 instant with its offset: {value!r}")
    at = parsed.timestamp()
    if not now - MAX_AGE.total_seconds() <= at <= now + MAX_AHEAD.total_seconds():
        raise EventRefused(f"{name} {value} is where no working clock would put it (now {instant(now)})")
    return at


def _choice(document: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = document.get(name)
    if value not in allowed:
        raise EventRefused(f"{name} must be one of {allowed}: {value!r}")
    return str(value)


def from_wire(document: Any, now: float) -> JournalEntry:
    """Another gate's event, checked; ``now`` is this gate's clock (unix seconds)."""
    if not isinstance(document, dict):
        raise EventRefused(f"an event is an object: {document!r:.80}")
    device = document.get("device_id")
    reason = document.get("reason")
    note = document.get("note")
    if not isinstance(device, str) or not _DEVICE.fullmatch(device):
        raise EventRefused(f"device_id is not a device: {device!r}")
    if not isinstance(reason, str) or not _REASON.fullmatch(reason):
        raise EventRefused(f"reason is not a reason code: {reason!r}")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH):
        raise EventRefused("note is not a short text")
    event_id = _optional_uuid(document, "event_id")
    if event_id is None:
        raise EventRefused("an event needs its event_id")
    scanned_at = _when(document, "scanned_at", now)
    # Events stored before the server kept it have none: their gate's clock is their order.
    ordered_at = scanned_at if document.get("ordered_at") is None else _when(document, "ordered_at", now)
    entry = JournalEntry(
        event_id=event_id,
        pass_id=_optional_uuid(document, "pass_id"),
        direction=_choice(document, "direction", ("in", "out")),
        decision=_choice(document, "decision", ("granted", "denied")),
        reason=reason,
        scanned_at=int(scanned_at),
        booking_id=_optional_uuid(document, "booking_id"),
        ordered_at=round(ordered_at * 1000),
        note=note,
        origin=device,
    )
    if entry.decision == "granted" and entry.party is None:
        raise EventRefused("a granted event names its pass or its booking")
    return entry
