"""Sync brings the centre to the gate (the roster of the coming days, the other gates' events, the peers'
key) and takes the gate's health to the server; events the server refuses are set aside one by one."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from access.passformat import booking_code
from gateway_agent import roster
from gateway_agent.decision import unix_seconds
from gateway_agent.journal import StateStore
from tests.unit.gateway_agent.stub_server import Request, StubServer, json_answer
from tests.unit.gateway_agent.support import (
    DEPARTURE,
    DURING,
    issue,
    run_cli,
)

BOOKING = uuid.uuid4()
OLD_PASS, LIVE_PASS = uuid.uuid4(), uuid.uuid4()
ROSTER = {
    "days": 3,
    "stays": [
        {
            "booking_id": str(BOOKING),
            "code": booking_code(BOOKING),
            "pass_id": str(LIVE_PASS),
            "pass_ids": [str(OLD_PASS), str(LIVE_PASS)],
            "valid_from": "2026-12-20T14:00:00Z",
            "valid_until": "2026-12-24T11:00:00Z",
            "party_size": 3,
            "holder": "Fatima Bennani",
            "holder_ar": "فاطمة بناني",
            "unit": "A12",
        }
    ],
}


def sync(state: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, [line] = run_cli(["--state", str(state), "--now", DURING.isoformat(), "sync"], capsys)
    assert code == 0
    return line


def feed_event(**change: object) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "device_id": str(uuid.uuid4()),
        "pass_id": str(OLD_PASS),
        "booking_id": None,
        "direction": "in",
        "decision": "granted",
        "reason": "ok",
        "note": None,
        "scanned_at": "2026-12-21T08:59:00Z",
        "ordered_at": None,
        **change,
    }


def test_the_roster_and_the_other_gates_events_arrive_and_count_together(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["GET /api/access/roster"] = json_answer(ROSTER)
    sent = [feed_event(), feed_event(scanned_at="9999-01-01T00:00:00Z")]
    pages = iter([{"events": sent, "cursor": 7}, {"events": [], "cursor": 7}])
    server.routes["GET /api/access/scan-feed"] = lambda _request: json_answer(next(pages))
    line = sync(state, capsys)
    assert (line["synced"], line["roster"], line["merged"]) == (True, 1, 1)  # the year 9999 one refused
    store = StateStore(state)
    assert store.setting("scan_feed_cursor") == "7"
    # Another gate let one of the party in on the pass the booking had before: counted with the booking.
    assert store.booking_of(OLD_PASS) == BOOKING
    assert store.passback(BOOKING).inside == 1  # type: ignore[union-attr]
    [stay] = roster.find(store, booking_code(BOOKING), unix_seconds(DURING), 900)
    assert (stay.holder, stay.party_size, stay.pass_id) == ("Fatima Bennani", 3, LIVE_PASS)


def test_each_sync_replaces_the_roster_and_departed_stays_are_forgotten_even_offline(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["GET /api/access/roster"] = json_answer(ROSTER)
    sync(state, capsys)
    server.routes["GET /api/access/roster"] = json_answer({"days": 3, "stays": []})  # cancelled since
    sync(state, capsys)
    assert roster.count(StateStore(state)) == 0
    server.routes["GET /api/access/roster"] = json_answer(ROSTER)
    sync(state, capsys)
    server.routes["GET /api/access/device"] = json_answer({"status": 503}, status=503)
    after = DEPARTURE.replace(hour=13).isoformat()
    code, [line] = run_cli(["--state", str(state), "--now", after, "sync"], capsys)
    assert (code, line["synced"]) == (0, False)
    assert roster.count(StateStore(state)) == 0


def test_a_scan_the_server_refuses_is_set_aside_alone_and_the_rest_uploads(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        run_cli(["--state", str(state), "--now", DURING.isoformat(), "scan", issue()[1]], capsys)
    journal = StateStore(state).journal()

    def refuse_the_second(request: Request) -> object:
        events = request.body["events"]
        assert all(e["ordered_at"] and "booking_id" in e for e in events)
        refused = [
            {"event_id": e["event_id"], "code": "wrong_centre"}
            for e in events
            if e["event_id"] == str(journal[1].event_id)
        ]
        return json_answer({"accepted": len(events) - len(refused), "duplicates": 0, "refused": refused})

    server.routes["POST /api/access/scans"] = refuse_the_second
    line = sync(state, capsys)
    assert (line["uploaded"], line["new_rejections"], line["pending_upload"], line["rejected"]) == (
        2,
        1,
        0,
        1,
    )


def test_a_gate_reports_its_health_and_keeps_the_peers_key(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    device = json.loads(server.routes["GET /api/access/device"].body)  # type: ignore[union-attr]
    server.routes["GET /api/access/device"] = json_answer(
        {**device, "peer_keys": [{"kid": "4", "key": "k" * 43}]}
    )
    server.routes["POST /api/access/device/report"] = json_answer(
        {"server_time": "x", "clock_offset_seconds": -95.5}
    )
    run_cli(["--state", str(state), "--now", DURING.isoformat(), "scan", issue()[1]], capsys)
    server.routes["POST /api/access/scans"] = json_answer({"status": 503}, status=503)
    sync(state, capsys)  # the upload fails: no report
    assert not [r for r in server.requests if r.path == "/api/access/device/report"]
    server.routes["POST /api/access/scans"] = lambda r: json_answer(
        {"accepted": len(r.body["events"]), "duplicates": 0}
    )
    sync(state, capsys)
    [report] = [r.body for r in server.requests if r.path == "/api/access/device/report"]
    assert report["backlog"] == 0
    assert report["clock"].startswith("2026-12-21T09:00")  # the gate's clock (here, --now)
    assert report["version"]
    store = StateStore(state)
    assert json.loads(store.setting("peer_keys") or "") == [["4", "k" * 43]]
    assert store.setting("clock_offset_seconds") == "-95.500"
    assert "clock is -96 s off" in caplog.text
    _code, [status] = run_cli(["--state", str(state), "status"], capsys)
    assert (status["clock_offset_seconds"], status["roster"], status["merged"], status["peers"]) == (
        "-95.500",
        0,
        0,
        [],
    )
