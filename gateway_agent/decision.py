"""The gate's decision, as pure rules: may this pass go in, or out, at this gate, now?

Everything the rules need is passed in (the payload, the direction, the gate's policy, the synced public
keys and revocations, the anti-passback state, the time), so the agent decides offline in well under a
millisecond and the tests need no clock, network or database. The agent persists what comes back.

Reason codes are stable: the journal, the server and the gate's display all carry them::

    code                 granted  when
    ok                   yes      entry in the window with room in the party; exit of someone counted in
    not_inside           yes      exit of a pass with nobody counted inside (see "Exits" below)
    malformed            no       not a pass: unreadable text, damaged code, out-of-range field
    unsupported_version  no       a pass format this gate does not know yet (update the agent)
    unknown_key          no       a key id this gate has not synced (sync it), or a forgery
    key_expired          no       signed by a retired key whose not_after has passed (see "Keys")
    bad_signature        no       the signature does not hold: a forged or altered pass
    revoked              no       entry with a pass whose booking was cancelled
    wrong_centre         no       entry with a pass for another centre
    not_yet_valid        no       entry before valid_from - grace
    expired              no       entry at or after valid_until + grace
    already_inside       no       entry when the whole party is already counted inside (anti-passback)

The gate staff's tools (``gateway_agent.desk``) add three codes to the journal::

    override             yes      a guard let the holder in whatever the rules said (the reason is kept)
    unknown_code         no       a booking code typed that the roster does not hold
    ambiguous_code       no       a booking code two stays of the roster share

Entries are checked in this order: format, key and signature, revoked, centre, window, anti-passback. The
first failing check gives the reason, so a revoked pass says ``revoked`` even at the wrong centre.

Anti-passback: each *party* has a count of its people inside. The party is the booking (a version 2
pass carries it; for a version 1 pass the gate uses the booking the server told it, else the pass id),
so a reissued pass continues its predecessor's count. An entry is granted while the count is below the
party size and adds one; an exit takes one away, never below zero. A party of one that is inside
cannot enter again before an exit; a party of three lets three in, then refuses the fourth. One
condition gives one code, ``already_inside``, whatever the party size. People do leave without
scanning (through the free-egress door, or held open by someone else), which would lock their pass out
for good, so the counts reset every day at a local hour chosen to be quiet (04:00 by default). The
reset is computed when a pass is next scanned, not by a job: nothing has to run at 04:00.

The count is not a stored number but the fold of the party's granted crossings (:func:`count_inside`)
known at this gate: its own and those its peers and the server sent, merged by event id. A fold of a
set is the same whatever order and however many times its elements arrived, so gates that have seen
the same events agree. Each crossing has a place in its party's order (``ordered_at``, milliseconds):
its gate's clock, but never before a crossing of the party that gate already knew (:func:`next_stamp`,
a hybrid logical clock per party), so an exit decided after an entry was heard of is folded after it
even when the exit's gate has the slower clock. ``docs/gateway-agent.md`` says what happens when two
gates decide without having heard of each other.

Keys: the gate trusts the public keys it synced. A retired key comes with a ``not_after``, the first
instant it no longer vouches for a pass: the server sets it after the last pass it signed has run its
course, and stops publishing the key then. A gate offline since must not go on trusting it (the key may
have been retired because it leaked), so a key is used only while ``now < not_after``; a pass under an
expired key is ``key_expired`` rather than ``unknown_key``, which would wrongly suggest a sync helps.
Its signature is not even checked, so it vouches for nothing: it is not authentic.

Exits: an exit is never refused for an authentic pass. Expired, revoked or another centre's: the person
is inside and must be able to leave; a gate that traps people is worse than any pass fraud an exit
could allow, and the door's own free egress remains for emergencies. An exit with nobody counted
inside is granted with ``not_inside`` rather than ``ok``, so the journal shows how often people get in
without a counted entry. Only a pass that is not authentic (malformed, unsupported_version,
unknown_key, key_expired, bad_signature) is refused on the way out: the gate cannot tell whose it is,
so it cannot count it; staff open the door by hand.

A refused pass that is not authentic reports no pass id: an id that no valid signature vouches for
must not be written against a real booking in the journal.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Literal, get_args
from uuid import UUID

from access.passformat import PassClaims, PassRejected, PublicKeyring, decode_pass, verify_pass

Direction = Literal["in", "out"]
Reason = Literal[
    "ok",
    "not_inside",
    "malformed",
    "unsupported_version",
    "unknown_key",
    "key_expired",
    "bad_signature",
    "revoked",
    "wrong_centre",
    "not_yet_valid",
    "expired",
    "already_inside",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
# What the gate staff's tools add to the journal (``gateway_agent.desk``): a manual override, and a
# booking code typed that the roster does not hold, or holds twice.
StaffReason = Literal["override", "unknown_code", "ambiguous_code"]
NO_RETIRED_KEYS: Mapping[str, int] = MappingProxyType({})
NO_BOOKINGS: Mapping[UUID, UUID] = MappingProxyType({})


@dataclass(frozen=True)
class GatePolicy:
    """What one gate is configured with."""

    centre: str
    timezone: tzinfo
    # A gate computer offline for days drifts; a family a few minutes early or late should not wait.
    grace_seconds: int = 15 * 60
    # Local hour at which the anti-passback counts clear; None never clears them.
    daily_reset_hour: int | None = 4

    def __post_init__(self) -> None:
        if self.grace_seconds < 0:
            raise ValueError("grace_seconds must not be negative")
        if self.daily_reset_hour is not None and not 0 <= self.daily_reset_hour <= 23:
            raise ValueError("daily_reset_hour must be 0..23")


@dataclass(frozen=True)
class PassbackState:
    """The anti-passback state of one pass: its people counted inside, and when that last changed."""

    inside: int = 0
    changed_at: int | None = None  # UTC unix seconds of the last counted entry or exit


NOBODY_INSIDE = PassbackState()


@dataclass(frozen=True, slots=True)
class Holder:
    """Who asks to cross: an authentic pass's claims, or a booking a guard found by its code (then
    ``pass_id`` is its current pass, or None when none was issued yet)."""

    pass_id: UUID | None
    booking_id: UUID | None
    centre: str
    valid_from: int
    valid_until: int
    party_size: int

    @classmethod
    def of_pass(cls, claims: PassClaims) -> Holder:
        return cls(
            claims.pass_id,
            claims.booking_id,
            claims.centre,
            claims.valid_from,
            claims.valid_until,
            claims.party_size,
        )


@dataclass(frozen=True)
class Decision:
    """The answer for one scan, and the party's anti-passback state after it.

    ``party`` and ``passback`` are None only when the pass is not authentic: nobody can be counted.
    """

    granted: bool
    reason: Reason | StaffReason
    pass_id: UUID | None
    passback: PassbackState | None = None
    party: UUID | None = None
    booking_id: UUID | None = None


def decide(
    payload: str,
    direction: Direction,
    *,
    policy: GatePolicy,
    public_keys: PublicKeyring,
    revoked: Container[UUID],
    passback: Mapping[UUID, PassbackState],
    now: datetime | int,
    keys_not_after: Mapping[str, int] = NO_RETIRED_KEYS,
    bookings: Mapping[UUID, UUID] = NO_BOOKINGS,
) -> Decision:
    """Decide one scan. ``passback`` maps parties to their state; a party never
    seen has nobody inside. ``keys_not_after`` gives, for a retired key id, the UTC unix second from
    which it is no longer used; ``bookings`` the booking of a version 1 pass, when the gate knows it.
    """
    if direction not in ("in", "out"):
        raise ValueError(f"direction must be 'in' or 'out': {direction!r}")
    at = unix_seconds(now)
    try:
        claims = verify_pass(payload, keys_in_force(public_keys, keys_not_after, at))
    except PassRejected as refusal:
        return Decision(granted=False, reason=_rejection(refusal, payload, public_keys), pass_id=None)
    return judge(
        Holder.of_pass(claims),
        direction,
        policy=policy,
        revoked=revoked,
        passback=passback,
        now=at,
        bookings=bookings,
    )


def judge(
    holder: Holder,
    direction: Direction,
    *,
    policy: GatePolicy,
    revoked: Container[UUID],
    passback: Mapping[UUID, PassbackState],
    now: datetime | int,
    bookings: Mapping[UUID, UUID] = NO_BOOKINGS,
) -> Decision:
    """Decide for a holder already known to be genuine: an authentic pass, or a booking of the synced
    roster that a guard found by its code. The same rules either way."""
    at = unix_seconds(now)
    party, booking = _counted_as(holder, bookings)
    state = passback_at(passback.get(party, NOBODY_INSIDE), at, policy)
    if direction == "in":
        refusal = _entry_refusal(holder, state, at, policy, revoked)
        if refusal is not None:
            return Decision(False, refusal, holder.pass_id, state, party, booking)
        return Decision(True, "ok", holder.pass_id, PassbackState(state.inside + 1, at), party, booking)
    reason: Reason = "ok" if state.inside > 0 else "not_inside"
    left = PassbackState(inside=max(state.inside - 1, 0), changed_at=at)
    return Decision(True, reason, holder.pass_id, left, party, booking)


def override(
    holder: Holder,
    *,
    policy: GatePolicy,
    passback: Mapping[UUID, PassbackState],
    now: datetime | int,
    bookings: Mapping[UUID, UUID] = NO_BOOKINGS,
) -> Decision:
    """A guard lets the holder in whatever the rules said (the reason is theirs, in the journal): the
    entry counts like any other, so the party's count stays the number of its people let in."""
    at = unix_seconds(now)
    party, booking = _counted_as(holder, bookings)
    state = passback_at(passback.get(party, NOBODY_INSIDE), at, policy)
    return Decision(True, "override", holder.pass_id, PassbackState(state.inside + 1, at), party, booking)


def _counted_as(holder: Holder, bookings: Mapping[UUID, UUID]) -> tuple[UUID, UUID | None]:
    """The key the holder's crossings are counted under (its party), and its booking when known.

    The party is the booking: from the pass (version 2), or for a version 1 pass from ``bookings``
    (pass id to booking id, as the server told the gate); else the pass id itself."""
    if holder.booking_id is not None:
        return holder.booking_id, holder.booking_id
    assert holder.pass_id is not None, "a holder without a booking has a pass"
    booking = bookings.get(holder.pass_id)
    return (holder.pass_id if booking is None else booking), booking


@dataclass(frozen=True, slots=True)
class Crossing:
    """A granted entry or exit of a party, as a gate's journal holds it."""

    direction: str
    ordered_at: int  # milliseconds: its place in the party's order (see the module's docstring)
    event_id: UUID


def count_inside(crossings: Iterable[Crossing], policy: GatePolicy, now: datetime | int) -> PassbackState:
    """The party's state at ``now`` from its granted crossings, taken in their order (ties by event
    id): the same whatever order, and however many times, the gate heard of them."""
    state = NOBODY_INSIDE
    for crossing in sorted(crossings, key=lambda c: (c.ordered_at, c.event_id.bytes)):
        at = crossing.ordered_at // 1000
        state = passback_at(state, at, policy)
        inside = state.inside + 1 if crossing.direction == "in" else max(state.inside - 1, 0)
        state = PassbackState(inside, at)
    return passback_at(state, unix_seconds(now), policy)


def next_stamp(now_ms: int, latest_ms: int | None) -> int:
    """A new crossing's place in its party's order: the gate's clock, but after every crossing of the
    party it already knows (a hybrid logical clock): an exit decided after hearing of an entry is
    folded after it, whichever gate's clock is slower."""
    return now_ms if latest_ms is None else max(now_ms, latest_ms + 1)


def keys_in_force(public_keys: PublicKeyring, keys_not_after: Mapping[str, int], at: int) -> PublicKeyring:
    """The keys that vouch for a pass at ``at``: a retired key stops at its ``not_after``."""
    if not keys_not_after:
        return public_keys
    return {kid: key for kid, key in public_keys.items() if at < keys_not_after.get(kid, at + 1)}


def _rejection(refusal: PassRejected, payload: str, public_keys: PublicKeyring) -> Reason:
    # ``unknown_key`` is only raised once the pass decoded, so decoding again cannot fail here.
    if refusal.code == "unknown_key" and decode_pass(payload).kid in public_keys:
        return "key_expired"  # synced, but no longer in force
    return refusal.code


def _entry_refusal(
    holder: Holder, state: PassbackState, at: int, policy: GatePolicy, revoked: Container[UUID]
) -> Reason | None:
    if holder.pass_id is not None and holder.pass_id in revoked:
        return "revoked"
    if holder.centre != policy.centre:
        return "wrong_centre"
    if at < holder.valid_from - policy.grace_seconds:
        return "not_yet_valid"
    if at >= holder.valid_until + policy.grace_seconds:
        return "expired"
    if state.inside >= holder.party_size:
        return "already_inside"
    return None


def passback_at(state: PassbackState, at: int, policy: GatePolicy) -> PassbackState:
    """``state`` as it stands at ``at``: cleared if a daily reset has passed since it last changed."""
    if state.changed_at is None or policy.daily_reset_hour is None:
        return state
    if state.changed_at < last_reset(at, policy.timezone, policy.daily_reset_hour):
        return replace(state, inside=0)
    return state


def last_reset(at: int, zone: tzinfo, hour: int) -> int:
    """The latest instant, at or before ``at``, when the local clock in ``zone`` read ``hour``:00."""
    local_day = datetime.fromtimestamp(at, zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        reset = int(datetime.combine(day, time(hour), tzinfo=zone).timestamp())
        if reset <= at:
            return reset
    raise AssertionError("unreachable: yesterday's reset is always in the past")  # pragma: no cover


def unix_seconds(now: datetime | int) -> int:
    """``now`` as UTC unix seconds; a naive datetime is refused, since its zone would be a guess."""
    if isinstance(now, datetime):
        if now.utcoffset() is None:
            raise ValueError("now must be an aware datetime")
        return int(now.timestamp())
    return now
