"""What gates exchange: messages signed with their centre's key, events read strictly, and a merge that
is the same whatever the order and the repeats."""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_agent.decision import GatePolicy
from gateway_agent.events import EventRefused, from_wire, to_wire
from gateway_agent.gate import Gate
from gateway_agent.journal import JournalEntry
from gateway_agent.peers import Credentials, PeerRefused
from tests.unit.gateway_agent.support import CASABLANCA, DURING, RecordingDoor, enrolled_store, issue

IFRANE_KEY = [("2", "b" * 43), ("1", "a" * 43)]
NOW = DURING.timestamp()


def credentials(
    centre: str = "ifrane", keys: list[tuple[str, str]] = IFRANE_KEY, device: str = "d1"
) -> Credentials:
    return Credentials(centre, device, keys)


def test_a_message_signed_by_a_gate_of_the_same_centre_is_believed() -> None:
    body = b'{"events": []}'
    header, mac = credentials(device="north").sign_request("POST", "/peer/events", body)
    assert credentials(device="south").check_request(header, "POST", "/peer/events", body) == (
        "2",
        "north",
        mac,
    )
    # Signed with the older key a gate not yet synced still holds: believed while it is published.
    old = credentials(keys=[("1", "a" * 43)], device="late")
    header, _mac = old.sign_request("GET", "/peer/events?since=3", b"")
    assert credentials().check_request(header, "GET", "/peer/events?since=3", b"")[1] == "late"


@pytest.mark.parametrize(
    ("sender", "method", "target", "body"),
    [
        (credentials(keys=[("2", "z" * 43)]), "POST", "/peer/events", b"{}"),  # another centre's key
        (credentials(keys=[("9", "a" * 43)]), "POST", "/peer/events", b"{}"),  # a key id never handed out
        (credentials(centre="saidia"), "POST", "/peer/events", b"{}"),  # signed for another centre
        (credentials(), "POST", "/peer/events", b'{"events": [1]}'),  # the body changed on the way
        (credentials(), "GET", "/peer/events?since=0", b"{}"),  # another request
    ],
    ids=["other-key", "unknown-kid", "other-centre", "altered-body", "other-request"],
)
def test_anything_else_is_refused(sender: Credentials, method: str, target: str, body: bytes) -> None:
    header, _mac = sender.sign_request(method, target, body)
    with pytest.raises(PeerRefused):
        credentials().check_request(header, "POST", "/peer/events", b"{}")


@pytest.mark.parametrize("header", [None, "", "kid=2; device=x; mac=zz", "Bearer dev_x.y"])
def test_a_message_without_a_peer_header_is_refused(header: str | None) -> None:
    with pytest.raises(PeerRefused):
        credentials().check_request(header, "POST", "/peer/events", b"{}")


def test_an_answer_is_bound_to_its_request() -> None:
    asking, answering = credentials(device="a"), credentials(device="b")
    _header, request_mac = asking.sign_request("GET", "/peer/events?since=0", b"")
    signed = answering.sign_answer("2", request_mac, 200, b'{"events": []}')
    asking.check_answer(signed, request_mac, 200, b'{"events": []}')
    _other, other_mac = asking.sign_request("GET", "/peer/events?since=5", b"")
    with pytest.raises(PeerRefused):
        asking.check_answer(signed, other_mac, 200, b'{"events": []}')  # replayed for another request
    with pytest.raises(PeerRefused):
        asking.check_answer(signed, request_mac, 200, b'{"events": [{"x": 1}]}')


def test_a_gate_without_a_peer_key_cannot_take_part() -> None:
    with pytest.raises(ValueError, match="peer key"):
        Credentials("ifrane", "d", [])


def _event(**change: object) -> dict[str, object]:
    entry = JournalEntry(
        uuid.uuid4(), uuid.uuid4(), "in", "granted", "ok", int(NOW), uuid.uuid4(), int(NOW * 1000)
    )
    return {**to_wire(entry, "gate-a"), **change}


def test_an_event_read_back_is_the_event_written() -> None:
    entry = JournalEntry(
        uuid.uuid4(),
        None,
        "in",
        "granted",
        "override",
        int(NOW),
        uuid.uuid4(),
        int(NOW * 1000) + 7,
        "reader broken",
    )
    assert from_wire(json.loads(json.dumps(to_wire(entry, "gate-a"))), NOW) == JournalEntry(
        entry.event_id,
        None,
        "in",
        "granted",
        "override",
        int(NOW),
        entry.booking_id,
        entry.ordered_at,
        "reader broken",
        "gate-a",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"scanned_at": "9999-12-31T23:00:00+00:00"},
        {"ordered_at": "2027-12-21T09:00:00+00:00"},
        {"scanned_at": "2026-12-21T10:00:00"},
        {"scanned_at": "2025-01-01T10:00:00+00:00"},
        {"direction": "up"},
        {"decision": "maybe"},
        {"reason": "Not A Code"},
        {"event_id": "x"},
        {"event_id": None},
        {"device_id": ""},
        {"note": "x" * 201},
        {"pass_id": None, "booking_id": None},
    ],
)
def test_an_event_no_gate_could_have_written_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(EventRefused):
        from_wire(_event(**change), NOW)


def _other_gates_events(count: int) -> list[JournalEntry]:
    """What two other gates decided for three parties of two: entries and exits, as their journals
    hold them."""
    with tempfile.TemporaryDirectory() as directory:
        source = enrolled_store(Path(directory))
        gate = Gate(source, GatePolicy("ifrane", CASABLANCA), RecordingDoor(), clock=DURING.timestamp)
        passes = [issue(party_size=2)[1] for _ in range(3)]
        for index in range(count):
            gate.scan(passes[index % 3], "in" if index % 4 < 2 else "out")
        journal = source.journal()
        source.close()
    return [replace(e, origin=f"gate-{i % 2}") for i, e in enumerate(journal)]


EVENTS = _other_gates_events(12)


@settings(max_examples=25, deadline=None)
@given(st.randoms())
def test_merging_in_any_order_with_repeats_gives_the_same_journal_and_counts(shuffler: random.Random) -> None:
    once = shuffler.sample(EVENTS, k=len(EVENTS))
    twice = EVENTS + shuffler.sample(EVENTS, k=6)
    shuffler.shuffle(twice)
    with tempfile.TemporaryDirectory() as directory:
        first, second = (enrolled_store(Path(directory) / name) for name in ("a", "b"))
        first.merge(once)
        for chunk in range(0, len(twice), 5):
            second.merge(twice[chunk : chunk + 5])
        assert {e.event_id for _s, e in first.events_since(0, 100)} == {e.event_id for e in EVENTS}
        assert {e.event_id for _s, e in second.events_since(0, 100)} == {e.event_id for e in EVENTS}
        for party in {e.party for e in EVENTS if e.party is not None}:
            assert first.passback(party) == second.passback(party)
        assert second.counts()["pending_upload"] == 0  # another gate's events are theirs to upload
        first.close()
        second.close()
