"""The gate's decision rules: every reason code, anti-passback, the window's grace and the daily reset."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from access.passformat import SCHEME_TAG, PassClaims, b45decode, b45encode, sign_pass
from gateway_agent.decision import (
    REASONS,
    Decision,
    Direction,
    GatePolicy,
    PassbackState,
    decide,
    last_reset,
    unix_seconds,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")
KEY = Ed25519PrivateKey.generate()
RETIRED_KEY = Ed25519PrivateKey.generate()  # k0, retired when k1 took over
KEYRING = {"k1": KEY.public_key(), "k0": RETIRED_KEY.public_key()}
IFRANE_GATE = GatePolicy(centre="ifrane", timezone=CASABLANCA, grace_seconds=15 * 60, daily_reset_hour=4)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CASABLANCA)


# Summer rotation: arrival 1 July 14:00, departure 10 July 12:00, Casablanca time.
ARRIVAL = local("2026-07-01 14:00")
DEPARTURE = local("2026-07-10 12:00")
DURING_STAY = local("2026-07-03 10:00")
GRACE = timedelta(seconds=IFRANE_GATE.grace_seconds)
SECOND = timedelta(seconds=1)
# k0 stops vouching for passes on the stay's second day: a gate offline since still holds it.
K0_NOT_AFTER = local("2026-07-02 12:00")
KEYS_NOT_AFTER = {"k0": unix_seconds(K0_NOT_AFTER)}


def issue(party_size: int = 1, centre: str = "ifrane", kid: str = "k1", key: Ed25519PrivateKey = KEY) -> str:
    claims = PassClaims(uuid.uuid4(), centre, unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), party_size)
    return sign_pass(claims, key, kid)


def pass_id_of(payload: str) -> uuid.UUID:
    return uuid.UUID(bytes=b45decode(payload.removeprefix(SCHEME_TAG))[1:17])


@dataclass
class Gate:
    """The agent's store in miniature: keeps what each decision says to persist."""

    policy: GatePolicy = IFRANE_GATE
    revoked: set[uuid.UUID] = field(default_factory=set)
    passback: dict[uuid.UUID, PassbackState] = field(default_factory=dict)

    def scan(self, payload: str, direction: Direction = "in", now: datetime | int = DURING_STAY) -> Decision:
        decision = decide(
            payload,
            direction,
            policy=self.policy,
            public_keys=KEYRING,
            revoked=self.revoked,
            passback=self.passback,
            now=now,
            keys_not_after=KEYS_NOT_AFTER,
        )
        if decision.pass_id is not None and decision.passback is not None:
            self.passback[decision.pass_id] = decision.passback
        return decision

    def admits(self, payload: str, now: datetime | int = DURING_STAY) -> bool:
        return self.scan(payload, "in", now).granted


# --- each reason code -------------------------------------------------------------------------------


def _with_version(version: int) -> str:
    binary = bytearray(b45decode(issue().removeprefix(SCHEME_TAG)))
    binary[0] = version
    return SCHEME_TAG + b45encode(bytes(binary))


def _revoked_pass(gate: Gate) -> str:
    payload = issue()
    gate.revoked.add(pass_id_of(payload))
    return payload


def _inside_pass(gate: Gate) -> str:
    payload = issue(party_size=1)
    gate.scan(payload, "in")
    return payload


# reason -> (direction, when, payload prepared on the gate)
SCENARIOS: dict[str, tuple[Direction, datetime, Callable[[Gate], str]]] = {
    "ok": ("in", DURING_STAY, lambda _: issue()),
    "not_inside": ("out", DURING_STAY, lambda _: issue()),
    "malformed": ("in", DURING_STAY, lambda _: "https://example.org/not-a-pass"),
    "unsupported_version": ("in", DURING_STAY, lambda _: _with_version(3)),
    "unknown_key": ("in", DURING_STAY, lambda _: issue(kid="k9")),
    "key_expired": ("in", DURING_STAY, lambda _: issue(kid="k0", key=RETIRED_KEY)),
    "bad_signature": ("in", DURING_STAY, lambda _: issue(key=Ed25519PrivateKey.generate())),
    "revoked": ("in", DURING_STAY, _revoked_pass),
    "wrong_centre": ("in", DURING_STAY, lambda _: issue(centre="sidi-bouzid")),
    "not_yet_valid": ("in", ARRIVAL - timedelta(hours=2), lambda _: issue()),
    "expired": ("in", DEPARTURE + timedelta(hours=2), lambda _: issue()),
    "already_inside": ("in", DURING_STAY, _inside_pass),
}
GRANTED = {"ok", "not_inside"}
NOT_AUTHENTIC = {"malformed", "unsupported_version", "unknown_key", "key_expired", "bad_signature"}


def test_every_reason_code_has_its_scenario() -> None:
    assert set(SCENARIOS) == set(REASONS)


@pytest.mark.parametrize("reason", list(SCENARIOS))
def test_each_reason_code_is_reached(reason: str) -> None:
    gate = Gate()
    direction, when, prepare = SCENARIOS[reason]
    payload = prepare(gate)

    decision = gate.scan(payload, direction, when)

    assert decision.reason == reason
    assert decision.granted is (reason in GRANTED)
    if reason in NOT_AUTHENTIC:
        # No valid signature vouches for the id: nothing is written against a real booking.
        assert decision.pass_id is None
        assert decision.passback is None
    else:
        assert decision.pass_id == pass_id_of(payload)
        assert decision.passback is not None


# --- order of the checks ----------------------------------------------------------------------------


def test_revocation_is_checked_before_the_centre() -> None:
    gate = Gate()
    payload = issue(centre="saidia")
    gate.revoked.add(pass_id_of(payload))

    assert gate.scan(payload).reason == "revoked"


def test_the_centre_is_checked_before_the_window() -> None:
    assert Gate().scan(issue(centre="mdiq"), now=DEPARTURE + timedelta(days=3)).reason == "wrong_centre"


def test_the_window_is_checked_before_anti_passback() -> None:
    gate = Gate()
    payload = _inside_pass(gate)

    assert gate.scan(payload, now=DEPARTURE + timedelta(hours=1)).reason == "expired"


# --- keys -------------------------------------------------------------------------------------------


def test_a_retired_key_opens_the_gate_until_its_not_after_and_not_from_then() -> None:
    gate = Gate()
    signed_by_k0 = issue(kid="k0", key=RETIRED_KEY)

    assert gate.scan(signed_by_k0, now=K0_NOT_AFTER - SECOND).reason == "ok"
    assert gate.scan(signed_by_k0, "out", now=K0_NOT_AFTER - SECOND).reason == "ok"
    assert gate.scan(signed_by_k0, now=K0_NOT_AFTER).reason == "key_expired"


def test_a_pass_under_an_expired_key_is_refused_before_its_signature_is_read() -> None:
    forged = issue(kid="k0", key=Ed25519PrivateKey.generate())

    assert Gate().scan(forged, now=K0_NOT_AFTER - SECOND).reason == "bad_signature"
    assert Gate().scan(forged, now=K0_NOT_AFTER).reason == "key_expired"


# --- anti-passback ----------------------------------------------------------------------------------


def test_a_party_of_one_cannot_enter_twice_without_going_out() -> None:
    gate = Gate()
    payload = issue(party_size=1)

    first = gate.scan(payload, "in")
    assert (first.granted, first.reason) == (True, "ok")
    assert first.passback == PassbackState(inside=1, changed_at=unix_seconds(DURING_STAY))
    assert gate.scan(payload, "in").reason == "already_inside"
    assert gate.scan(payload, "out").reason == "ok"
    assert gate.scan(payload, "in").reason == "ok"
    assert gate.passback[pass_id_of(payload)].inside == 1


def test_a_party_of_three_lets_three_in_and_refuses_the_fourth() -> None:
    gate = Gate()
    payload = issue(party_size=3)

    entries = [gate.scan(payload, "in") for _ in range(4)]

    assert [entry.granted for entry in entries] == [True, True, True, False]
    assert entries[3].reason == "already_inside"
    assert gate.scan(payload, "out").granted
    assert gate.admits(payload)


def test_exits_count_down_and_never_below_zero() -> None:
    gate = Gate()
    payload = issue(party_size=2)
    gate.scan(payload, "in")

    exits = [gate.scan(payload, "out") for _ in range(3)]

    assert [(exit_.granted, exit_.reason) for exit_ in exits] == [
        (True, "ok"),
        (True, "not_inside"),
        (True, "not_inside"),
    ]
    assert gate.passback[pass_id_of(payload)].inside == 0


def test_a_refused_entry_leaves_the_count_as_it_was() -> None:
    gate = Gate()
    payload = _inside_pass(gate)
    before = gate.passback[pass_id_of(payload)]

    refused = gate.scan(payload, "in", DURING_STAY + timedelta(minutes=5))

    assert refused.passback == before


# --- exits are never refused for an authentic pass --------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "payload_for", "when"),
    [
        ("after the departure", lambda _: issue(), DEPARTURE + timedelta(hours=6)),
        ("before the arrival", lambda _: issue(), ARRIVAL - timedelta(days=1)),
        ("booking cancelled", _revoked_pass, DURING_STAY),
        ("another centre's pass", lambda _: issue(centre="saidia"), DURING_STAY),
    ],
)
def test_an_authentic_pass_always_goes_out(
    situation: str, payload_for: Callable[[Gate], str], when: datetime
) -> None:
    gate = Gate()
    payload = payload_for(gate)

    assert gate.scan(payload, "out", when).granted, situation


def test_a_revoked_pass_counted_inside_goes_out_as_ok() -> None:
    gate = Gate()
    payload = _inside_pass(gate)
    gate.revoked.add(pass_id_of(payload))

    assert gate.scan(payload, "out").reason == "ok"


@pytest.mark.parametrize("reason", sorted(NOT_AUTHENTIC))
def test_a_pass_that_is_not_authentic_does_not_open_the_exit(reason: str) -> None:
    gate = Gate()
    payload = SCENARIOS[reason][2](gate)

    decision = gate.scan(payload, "out")

    assert (decision.granted, decision.reason) == (False, reason)


# --- the window and its grace -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (ARRIVAL - GRACE - SECOND, "not_yet_valid"),
        (ARRIVAL - GRACE, "ok"),
        (ARRIVAL, "ok"),
        (DEPARTURE - SECOND, "ok"),
        (DEPARTURE + GRACE - SECOND, "ok"),
        (DEPARTURE + GRACE, "expired"),
    ],
    ids=["before grace", "grace opens", "arrival", "before departure", "grace closes", "after grace"],
)
def test_the_grace_widens_the_window_at_both_edges(when: datetime, reason: str) -> None:
    assert Gate().scan(issue(), now=when).reason == reason


def test_without_grace_the_window_is_exactly_the_stay() -> None:
    gate = Gate(policy=GatePolicy(centre="ifrane", timezone=CASABLANCA, grace_seconds=0))

    assert gate.scan(issue(), now=ARRIVAL - SECOND).reason == "not_yet_valid"
    assert gate.scan(issue(), now=ARRIVAL).reason == "ok"
    assert gate.scan(issue(), now=DEPARTURE - SECOND).reason == "ok"
    assert gate.scan(issue(), now=DEPARTURE).reason == "expired"


# --- the daily reset --------------------------------------------------------------------------------


def test_the_counts_clear_at_the_daily_reset_hour() -> None:
    gate = Gate()
    payload = issue(party_size=1)
    assert gate.admits(payload, local("2026-07-02 22:00"))

    assert gate.scan(payload, now=local("2026-07-03 03:59:59")).reason == "already_inside"
    assert gate.scan(payload, now=local("2026-07-03 04:00")).reason == "ok"
    assert gate.scan(payload, now=local("2026-07-03 04:01")).reason == "already_inside"


def test_an_exit_after_the_reset_finds_nobody_inside() -> None:
    gate = Gate()
    payload = issue(party_size=2)
    gate.scan(payload, "in", local("2026-07-02 20:00"))

    assert gate.scan(payload, "out", local("2026-07-03 09:00")).reason == "not_inside"


def test_without_a_reset_hour_the_counts_stay_for_days() -> None:
    gate = Gate(policy=GatePolicy(centre="ifrane", timezone=CASABLANCA, daily_reset_hour=None))
    payload = issue(party_size=1)
    gate.scan(payload, "in", local("2026-07-02 10:00"))

    assert gate.scan(payload, now=local("2026-07-08 10:00")).reason == "already_inside"


@given(at=st.integers(unix_seconds(local("2026-01-01 00:00")), unix_seconds(local("2027-12-31 00:00"))))
def test_the_last_reset_is_the_latest_local_four_o_clock(at: int) -> None:
    # Morocco moves its clocks around Ramadan: the reset stays at 04:00 on the wall clock.
    reset = last_reset(at, CASABLANCA, 4)

    assert reset <= at
    assert datetime.fromtimestamp(reset, CASABLANCA).time().isoformat() == "04:00:00"
    assert at - reset < 25 * 3600


# --- inputs -----------------------------------------------------------------------------------------


def test_now_may_be_unix_seconds_or_an_aware_datetime() -> None:
    payload = issue(party_size=1)

    assert Gate().scan(payload, now=unix_seconds(ARRIVAL)) == Gate().scan(payload, now=ARRIVAL)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Gate().scan(issue(), now=datetime(2026, 7, 3, 10, 0))


def test_an_unknown_direction_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="direction"):
        Gate().scan(issue(), "sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize("change", [{"grace_seconds": -1}, {"daily_reset_hour": 24}])
def test_a_policy_out_of_range_is_refused(change: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must"):
        GatePolicy(centre="ifrane", timezone=CASABLANCA, **change)
