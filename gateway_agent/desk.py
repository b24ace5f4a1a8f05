"""The gate staff's tools: a booking found by its code when the camera cannot read a phone, the holder's
name and party beside each decision, and a manual override with a reason.

All decide offline, on the roster and the journal the gate holds, through ``Gate`` (journal first, then
the door), and all are uploaded and shared with the peers like any scan. In ``run``, a line typed at the
gate's keyboard starting with ``LOOKUP_PREFIX`` is a booking code (``#CA2F-DA8F``); every other line is
a pass, as the scanner types it (``#`` never starts a pass, ``EST:``). A QR code holding ``#`` and a
code has no more power than the pass it names, which is printed beside it; an override does have
more, so it is never read from that input: the guard gives it with ``gateway-agent override``.
"""

from __future__ import annotations

from typing import Any

from access.passformat import PassRejected, normalise_booking_code, verify_pass
from gateway_agent import roster
from gateway_agent.decision import Direction, Holder, keys_in_force
from gateway_agent.events import MAX_NOTE_LENGTH
from gateway_agent.gate import Gate, ScanOutcome

LOOKUP_PREFIX = "#"


class DeskError(ValueError):
    """What the guard typed cannot be acted on (said on the output, nothing journaled)."""


def describe(gate: Gate, outcome: ScanOutcome) -> dict[str, Any]:
    """The decision's line, with the holder's name, party and the party's count when the roster
    holds the booking (not after the stay: the roster forgets it)."""
    line: dict[str, Any] = outcome.as_json()
    decision = outcome.decision
    if decision.booking_id is not None:
        line["booking_id"] = str(decision.booking_id)
        stay = roster.of_booking(gate.store, decision.booking_id)
        if stay is not None:
            line.update(stay.describe())
    if decision.passback is not None:
        line["inside"] = decision.passback.inside
    return line


def _stays(gate: Gate, typed: str) -> list[roster.RosterStay]:
    code = normalise_booking_code(typed)
    if code is None:
        return []
    return roster.find(gate.store, code, int(gate.clock()), gate.policy.grace_seconds)


def lookup(gate: Gate, typed: str, direction: Direction) -> dict[str, Any]:
    """Decide for the booking whose code the guard typed, as for its pass. A code the roster does not
    hold (a typo, a stay not in the coming days, a cancelled one) is refused and journaled, so that a
    run of guesses shows; two stays with one code (one chance in ten million) are both shown, refused."""
    stays = _stays(gate, typed)
    if len(stays) == 1:
        return describe(gate, gate.admit(stays[0].as_holder, direction))
    line = describe(gate, gate.refuse_unknown("ambiguous_code" if stays else "unknown_code"))
    if stays:
        line["candidates"] = [stay.describe() for stay in stays]
    return line


def _holder_of_pass(gate: Gate, payload: str) -> Holder:
    keys = gate.store.keys()
    at = int(gate.clock())
    try:
        claims = verify_pass(payload.strip(), keys_in_force(keys.public_keys, keys.not_after, at))
    except PassRejected as refusal:
        raise DeskError(
            f"this pass is not authentic here ({refusal.code}): override by its booking code instead"
        ) from refusal
    return Holder.of_pass(claims)


def override(gate: Gate, note: str, *, code: str | None = None, payload: str | None = None) -> dict[str, Any]:
    """Let the holder of a booking code or of an authentic pass in, whatever the rules said, for the
    reason the guard gives (required: the manager reads it)."""
    reason = " ".join(note.split())
    if not reason:
        raise DeskError("an override needs its reason")
    if len(reason) > MAX_NOTE_LENGTH:
        raise DeskError(f"the reason is at most {MAX_NOTE_LENGTH} characters")
    if (code is None) == (payload is None):
        raise DeskError("override a booking code or a pass")
    if payload is not None:
        holder = _holder_of_pass(gate, payload)
    else:
        stays = _stays(gate, code or "")
        if len(stays) != 1:
            raise DeskError(
                "no stay of the coming days has this code" if not stays else "two stays share this code"
            )
        holder = stays[0].as_holder
    line = describe(gate, gate.override(holder, reason))
    line["note"] = reason
    return line
