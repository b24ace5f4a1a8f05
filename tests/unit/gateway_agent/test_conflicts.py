"""Gates that decide apart and then merge: the rules docs/gateway-agent.md writes down, one test each.

The count of a party is folded from its granted crossings (``decision.count_inside``), so it is a
function of the *set* of crossings a gate knows: the same whatever order they arrived in and however
often. Each crossing's place in the order is its gate's clock, but never before a crossing of the same
party that gate already knew (``decision.next_stamp``).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from access.passformat import PassClaims, sign_pass
from gateway_agent.decision import (
    Crossing,
    Decision,
    GatePolicy,
    PassbackState,
    count_inside,
    decide,
    next_stamp,
    unix_seconds,
)
from tests.unit.gateway_agent.support import ARRIVAL, DEPARTURE, DURING, KEY

CASABLANCA = ZoneInfo("Africa/Casablanca")
IFRANE = GatePolicy("ifrane", CASABLANCA)
NO_RESET = GatePolicy("ifrane", CASABLANCA, daily_reset_hour=None)
AT = unix_seconds(DURING)
MS = AT * 1000


def crossing(direction: str, at_ms: int) -> Crossing:
    return Crossing(direction, at_ms, uuid.uuid4())


class MiniGate:
    """A gate of the rules alone: the crossings it knows, a clock that may be off, a party's count."""

    def __init__(self, skew_seconds: int = 0) -> None:
        self.known: dict[uuid.UUID, Crossing] = {}
        self.skew_ms = skew_seconds * 1000

    def hear(self, *crossings: Crossing) -> None:
        for c in crossings:
            self.known[c.event_id] = c

    def scan(self, payload: str, direction: str, real_ms: int) -> tuple[Decision, Crossing | None]:
        now_ms = real_ms + self.skew_ms
        state = count_inside(self.known.values(), NO_RESET, now_ms // 1000)
        decision = decide(
            payload,
            direction,  # type: ignore[arg-type]
            policy=NO_RESET,
            public_keys={"k1": KEY.public_key()},
            revoked=set(),
            passback={} if not self.known else {booking: state},
            now=now_ms // 1000,
        )
        if not decision.granted:
            return decision, None
        latest = max((c.ordered_at for c in self.known.values()), default=None)
        mine = Crossing(direction, next_stamp(now_ms, latest), uuid.uuid4())
        self.hear(mine)
        return decision, mine


booking = uuid.uuid4()
PARTY_OF_ONE = sign_pass(
    PassClaims(uuid.uuid4(), "ifrane", unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), 1, booking), KEY, "k1"
)


@given(
    st.lists(st.tuples(st.sampled_from(["in", "out"]), st.integers(0, 3 * 86_400_000)), max_size=30),
    st.randoms(),
)
def test_a_count_is_the_same_whatever_order_and_however_often_its_crossings_arrive(
    steps: list[tuple[str, int]], shuffler: random.Random
) -> None:
    crossings = [crossing(direction, MS + offset) for direction, offset in steps]
    arrived = crossings + shuffler.sample(crossings, k=len(crossings) // 2)  # some twice
    shuffler.shuffle(arrived)
    unique = {c.event_id: c for c in arrived}.values()
    for policy in (IFRANE, NO_RESET):
        assert count_inside(unique, policy, AT + 4 * 86_400) == count_inside(
            crossings, policy, AT + 4 * 86_400
        )


def test_two_gates_admitting_the_same_party_of_one_in_the_same_second_both_count() -> None:
    a, b = MiniGate(), MiniGate()
    first, entered_a = a.scan(PARTY_OF_ONE, "in", MS)
    second, entered_b = b.scan(PARTY_OF_ONE, "in", MS + 400)
    assert first.granted  # neither had heard of the other
    assert second.granted
    assert entered_a is not None
    assert entered_b is not None
    a.hear(entered_b)
    b.hear(entered_a)
    # Two people went in: the merged count says so at both, and one exit does not free the pass.
    assert count_inside(a.known.values(), NO_RESET, AT + 1) == count_inside(
        b.known.values(), NO_RESET, AT + 1
    )
    assert count_inside(a.known.values(), NO_RESET, AT + 1).inside == 2
    _left, exited = a.scan(PARTY_OF_ONE, "out", MS + 60_000)
    b.hear(exited)  # type: ignore[arg-type]
    assert b.scan(PARTY_OF_ONE, "in", MS + 120_000)[0].reason == "already_inside"


def test_an_exit_recorded_before_its_entry_arrives_ends_with_nobody_inside() -> None:
    a, b = MiniGate(), MiniGate()
    _granted, entry = a.scan(PARTY_OF_ONE, "in", MS)
    left, exit_ = b.scan(PARTY_OF_ONE, "out", MS + 300_000)  # B has not heard of the entry yet
    assert (left.granted, left.reason) == (True, "not_inside")
    b.hear(entry)  # type: ignore[arg-type]
    a.hear(exit_)  # type: ignore[arg-type]
    for gate in (a, b):
        assert count_inside(gate.known.values(), NO_RESET, AT + 600).inside == 0
    assert b.scan(PARTY_OF_ONE, "in", MS + 600_000)[0].reason == "ok"


def test_an_exit_at_a_gate_whose_clock_is_slow_still_follows_the_entry_it_heard_of() -> None:
    a, slow = MiniGate(), MiniGate(skew_seconds=-600)  # ten minutes behind
    _granted, entry = a.scan(PARTY_OF_ONE, "in", MS)
    slow.hear(entry)  # type: ignore[arg-type]
    _left, exit_ = slow.scan(PARTY_OF_ONE, "out", MS + 60_000)  # its clock says 9 minutes *before* the entry
    assert exit_ is not None
    assert entry is not None
    assert exit_.ordered_at > entry.ordered_at  # ordered after what it knew, not by its clock
    a.hear(exit_)
    assert count_inside(a.known.values(), NO_RESET, AT + 120).inside == 0
    assert a.scan(PARTY_OF_ONE, "in", MS + 120_000)[0].granted
    # By the clocks alone the exit would come first and the holder stay "inside" for the day.
    by_clock = [
        Crossing("in", entry.ordered_at, entry.event_id),
        Crossing("out", MS - 540_000, exit_.event_id),
    ]
    assert count_inside(by_clock, NO_RESET, AT + 120).inside == 1


def test_the_daily_reset_clears_a_count_folded_from_any_gate() -> None:
    crossings = [crossing("in", MS)]
    assert count_inside(crossings, IFRANE, DURING + timedelta(hours=12)) == PassbackState(1, AT)
    next_morning = datetime(2026, 12, 22, 4, 0, tzinfo=CASABLANCA)
    assert count_inside(crossings, IFRANE, next_morning).inside == 0


def test_a_stamp_follows_the_latest_known_crossing_by_one_millisecond_at_least() -> None:
    assert next_stamp(1_000, None) == 1_000
    assert next_stamp(1_000, 5_000) == 5_001
    assert next_stamp(9_000, 5_000) == 9_000
