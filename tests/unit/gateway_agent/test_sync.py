"""Sync and enrolment against the odd answers of a real network, served over loopback HTTP: whatever
comes back, `sync` says so and exits 0, and nothing the gate holds is lost or replaced by it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from gateway_agent import cli
from gateway_agent.journal import JournalEntry, StateStore
from tests.unit.gateway_agent.stub_server import (
    CAPTIVE_PORTAL,
    Answer,
    Request,
    Route,
    StubServer,
    accept_every_event,
    json_answer,
)
from tests.unit.gateway_agent.support import DURING, PUBLIC_KEY, issue, run_cli


def sync(state: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code, [line] = run_cli(["--state", str(state), "sync"], capsys)
    return code, line


def test_a_healthy_server_syncs(state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["keys"]) == (0, True, 1)


@pytest.mark.parametrize(
    ("route", "answer"),
    [
        ("GET /api/access/device", CAPTIVE_PORTAL),
        ("GET /api/access/keys", CAPTIVE_PORTAL),
        ("GET /api/access/revocations", CAPTIVE_PORTAL),
        ("GET /api/access/device", json_answer({"device_id": "d", "centre": "ifrane"})),
        (
            "GET /api/access/device",
            json_answer({"device_id": "d", "centre": "ifrane", "time_zone": "Mars/Base"}),
        ),
        ("GET /api/access/device", json_answer(["not", "an", "object"])),
        ("GET /api/access/keys", json_answer({"key": []})),
        ("GET /api/access/keys", json_answer({"keys": [{"kid": "k1"}]})),
        ("GET /api/access/keys", json_answer({"keys": ["k1"]})),
        ("GET /api/access/revocations", json_answer({"revoked": ["not-a-uuid"], "cursor": 3})),
        ("GET /api/access/revocations", json_answer({"revoked": [], "cursor": "x"})),
    ],
    ids=[
        "device-html",
        "keys-html",
        "revocations-html",
        "device-no-zone",
        "device-unknown-zone",
        "device-list",
        "keys-missing",
        "key-without-public-key",
        "key-not-an-object",
        "revocation-not-a-uuid",
        "cursor-not-a-number",
    ],
)
def test_an_answer_that_is_not_the_contract_is_a_soft_failure(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str], route: str, answer: Answer
) -> None:
    server.routes[route] = answer
    code, line = sync(state, capsys)
    assert (code, line["synced"]) == (0, False)
    assert "unexpected answer" in str(line["error"])
    assert StateStore(state).counts()["keys"] == 1  # the keys the gate had are still there


def test_a_scans_answer_that_is_not_json_leaves_the_scans_pending(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(["--state", str(state), "--now", DURING.isoformat(), "scan", issue()[1]], capsys)
    server.routes["POST /api/access/scans"] = CAPTIVE_PORTAL
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["pending_upload"]) == (0, False, 1)


def test_a_revocation_feed_that_does_not_move_on_fails_instead_of_looping(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["GET /api/access/revocations"] = json_answer(
        {"revoked": ["6f1c2a64-3f0e-4c39-9d4c-1f5b8f0e2a11"], "cursor": 0}
    )
    code, line = sync(state, capsys)
    assert (code, line["synced"]) == (0, False)
    assert "cursor" in str(line["error"])


def enroll(tmp_path: Path, server: StubServer, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The enrolment's exit code, standard output and standard error."""
    code = cli.main(
        ["--state", str(tmp_path / "new"), "enroll", "--server", server.url, "--token", "dev_a.b"]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_enrolment_behind_a_captive_portal_fails_without_a_traceback(
    tmp_path: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["GET /api/access/device"] = CAPTIVE_PORTAL
    code, out, err = enroll(tmp_path, server, capsys)
    assert (code, out) == (1, "")
    assert "enrolment failed: unexpected answer" in err
    assert StateStore(tmp_path / "new").identity() is None


def test_enrolment_whose_first_sync_fails_keeps_the_identity_and_says_so(
    tmp_path: Path, server: StubServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    published = server.routes["GET /api/access/keys"]
    server.routes["GET /api/access/keys"] = Answer(502, b"Bad Gateway", "text/plain")
    code, out, err = enroll(tmp_path, server, capsys)
    [line] = [json.loads(text) for text in out.splitlines()]
    assert (code, line["centre"], line["synced"], line["keys"]) == (0, "ifrane", False, 0)
    assert "HTTP 502" in str(line["error"])
    assert "first sync failed" in caplog.text
    assert "Traceback" not in err
    # Enrolled: the next sync, once the server answers, needs no new token.
    server.routes["GET /api/access/keys"] = published
    code, [synced] = run_cli(["--state", str(tmp_path / "new"), "sync"], capsys)
    assert (code, synced["synced"], synced["keys"]) == (0, True, 1)


def test_a_gate_offline_past_a_retired_keys_not_after_stops_trusting_it(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The server retires k1 at 09:00 UTC on the stay's second morning (it writes UTC with a Z); then
    # the network goes down, and the gate is still deciding at 10:00 Casablanca time (09:00 UTC).
    retiring = {"kid": "k1", "alg": "Ed25519", "public_key": PUBLIC_KEY, "not_after": "2026-12-21T09:00:00Z"}
    server.routes["GET /api/access/keys"] = json_answer({"keys": [retiring]})
    assert sync(state, capsys)[1]["synced"] is True
    _pass_id, payload = issue()
    before = ["--state", str(state), "--now", "2026-12-21T09:59:59+01:00", "scan", payload]
    assert run_cli(before, capsys)[1][0]["reason"] == "ok"
    code, [line] = run_cli(["--state", str(state), "--now", DURING.isoformat(), "scan", payload], capsys)
    assert (code, line["reason"], line["pass_id"]) == (1, "key_expired", None)


def test_a_key_whose_not_after_has_no_offset_is_refused_and_the_old_keys_kept(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    naive = {"kid": "k2", "alg": "Ed25519", "public_key": PUBLIC_KEY, "not_after": "2026-12-21T09:00:00"}
    server.routes["GET /api/access/keys"] = json_answer({"keys": [naive]})
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["keys"]) == (0, False, 1)
    assert list(StateStore(state).keyring()) == ["k1"]


def test_an_empty_key_set_from_the_server_keeps_the_gate_open_to_valid_passes(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["GET /api/access/keys"] = json_answer({"keys": []})
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["keys"]) == (0, True, 1)
    assert "published no keys" in caplog.text
    code, [scanned] = run_cli(
        ["--state", str(state), "--now", DURING.isoformat(), "scan", issue()[1]], capsys
    )
    assert (code, scanned["reason"]) == (0, "ok")
    with pytest.raises(ValueError, match="empty"):
        StateStore(state).replace_keys([])


def refuse_batches_with(bad_reason: str) -> Route:
    """The server's answer to a batch holding an event it will never take: 422 for the whole batch."""

    def answer(request: Request) -> Answer:
        if any(e["reason"] == bad_reason for e in request.body["events"]):
            problem = {"status": 422, "detail": "events[...].reason: bad"}
            return Answer(422, json.dumps(problem).encode(), "application/problem+json")
        return accept_every_event(request)

    return answer


def journal_reasons(state: Path, reasons: list[str]) -> list[str]:
    """Scans journaled with these reasons (an odd one stands for a row the server will refuse)."""
    store = StateStore(state)
    for index, reason in enumerate(reasons):
        store.record(JournalEntry(uuid.uuid4(), None, "in", "denied", reason, 1_800_000_000 + index))
    return [str(e.event_id) for e in store.journal()]


def test_events_the_server_refuses_are_set_aside_and_the_rest_uploads(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gateway_agent.sync.UPLOAD_BATCH", 4)
    reasons = ["malformed"] * 9
    reasons[2] = reasons[6] = "Not A Code"
    events = journal_reasons(state, reasons)
    server.routes["POST /api/access/scans"] = refuse_batches_with("Not A Code")
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["uploaded"], line["new_rejections"]) == (0, True, 7, 2)
    assert (line["pending_upload"], line["rejected"]) == (0, 2)
    # Each good event reached the server exactly once in an accepted batch, in journal order.
    accepted = [
        e["event_id"]
        for r in server.requests
        if r.path == "/api/access/scans" and all(e["reason"] == "malformed" for e in r.body["events"])
        for e in r.body["events"]
    ]
    assert accepted == [event for event, reason in zip(events, reasons, strict=True) if reason == "malformed"]
    # The refused events are kept, and never offered again.
    sent_before = len(server.requests)
    code, again = sync(state, capsys)
    assert (again["uploaded"], again["new_rejections"], again["rejected"]) == (0, 0, 2)
    assert [r.path for r in server.requests[sent_before:]].count("/api/access/scans") == 0
    assert len(StateStore(state).journal()) == 9
    code, [status] = run_cli(["--state", str(state), "status"], capsys)
    assert (status["rejected"], status["pending_upload"]) == (2, 0)


def test_a_proxys_own_400_stops_the_sync_and_sets_no_scan_aside(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # nginx's "400 Request Header Or Cookie Too Large" would refuse every half of every batch alike:
    # only the service's problem document says that an event itself is bad.
    journal_reasons(state, ["malformed", "malformed", "malformed"])
    server.routes["POST /api/access/scans"] = Answer(400, b"<html>400 Bad Request</html>", "text/html")
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["pending_upload"], line["rejected"]) == (0, False, 3, 0)
    server.routes["POST /api/access/scans"] = accept_every_event
    code, line = sync(state, capsys)
    assert (line["synced"], line["uploaded"], line["pending_upload"], line["rejected"]) == (True, 3, 0, 0)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_device_stops_the_sync_and_keeps_every_scan(
    state: Path, server: StubServer, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    journal_reasons(state, ["malformed", "malformed"])
    server.routes["POST /api/access/scans"] = json_answer({"status": status}, status=status)
    code, line = sync(state, capsys)
    assert (code, line["synced"], line["pending_upload"], line["rejected"]) == (0, False, 2, 0)
    assert "refused this device" in str(line["error"])
    server.routes["POST /api/access/scans"] = accept_every_event
    code, line = sync(state, capsys)
    assert (line["synced"], line["uploaded"], line["pending_upload"]) == (True, 2, 0)
