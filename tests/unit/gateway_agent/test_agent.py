"""The agent's own parts without a server: the state store, one scan end to end, back-off, debounce,
reading QR codes from images, and the command line's exit codes."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from access.passformat import PassClaims, public_key_to_base64url, sign_pass
from gateway_agent import cli
from gateway_agent.decision import GatePolicy, unix_seconds
from gateway_agent.gate import Gate
from gateway_agent.inputs import (
    Debounce,
    NoCodeFound,
    debounced,
    decode_file,
    decode_image,
    watched_folder,
)
from gateway_agent.journal import StateStore
from gateway_agent.sync import Backoff
from tests.unit.gateway_agent.support import (
    ARRIVAL,
    CASABLANCA,
    DEPARTURE,
    DURING,
    RecordingDoor,
    enrolled_store,
    issue,
    qr_image,
    run_cli,
)


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return enrolled_store(tmp_path / "state")


def gate_at(store: StateStore, door: RecordingDoor, when: datetime = DURING) -> Gate:
    policy = GatePolicy(centre="ifrane", timezone=CASABLANCA)
    return Gate(store, policy, door, clock=when.timestamp)


def test_a_scan_is_journaled_with_its_pass_count_before_the_door_moves(store: StateStore) -> None:
    door = RecordingDoor()
    journal_when_door_moved: list[int] = []
    door.grant = lambda reason: journal_when_door_moved.append(len(store.journal()))  # type: ignore[method-assign]
    gate = gate_at(store, door)
    pass_id, payload = issue()
    outcome = gate.scan(payload, "in")
    assert outcome.as_json() == {
        "decision": "granted",
        "reason": "ok",
        "pass_id": str(pass_id),
        "event_id": str(outcome.event_id),
    }
    assert journal_when_door_moved == [1]
    [entry] = store.journal()
    assert (entry.event_id, entry.pass_id, entry.direction, entry.decision, entry.reason) == (
        outcome.event_id,
        pass_id,
        "in",
        "granted",
        "ok",
    )
    assert entry.scanned_at == int(DURING.timestamp())
    assert store.passback(pass_id) is not None
    assert store.passback(pass_id).inside == 1  # type: ignore[union-attr]


def test_passback_revocation_and_forgery_through_the_store(store: StateStore) -> None:
    door = RecordingDoor()
    gate = gate_at(store, door)
    pass_id, payload = issue()
    decisions = [gate.scan(payload, d).decision.reason for d in ("in", "in", "out", "in")]
    assert decisions == ["ok", "already_inside", "ok", "ok"]
    store.add_revocations([pass_id], cursor=7)
    assert store.revocation_cursor() == 7
    assert gate.scan(payload, "in").decision.reason == "revoked"
    assert gate.scan(payload, "out").decision.granted  # nobody is trapped inside
    forged = sign_pass(
        PassClaims(uuid.uuid4(), "ifrane", unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), 1),
        Ed25519PrivateKey.generate(),
        "k1",
    )
    refused = gate.scan(forged, "in")
    assert (refused.decision.reason, refused.decision.pass_id) == ("bad_signature", None)
    assert [a for a, _ in door.actions] == ["open", "locked", "open", "open", "locked", "open", "locked"]
    assert store.counts() == {"journal": 7, "pending_upload": 7, "rejected": 0, "keys": 1, "revoked": 1}
    assert store.journal()[-1].pass_id is None


def test_the_journal_uploads_oldest_first_and_marks_only_what_was_sent(store: StateStore) -> None:
    gate = gate_at(store, RecordingDoor())
    scanned = [gate.scan(issue()[1], "in").event_id for _ in range(5)]
    first = store.pending(3)
    assert [e.event_id for _seq, e in first] == scanned[:3]
    store.mark_uploaded([seq for seq, _e in first])
    assert [e.event_id for _seq, e in store.pending(10)] == scanned[3:]
    assert store.counts()["pending_upload"] == 2


def test_a_retired_key_stops_opening_the_gate_after_sync(store: StateStore) -> None:
    gate = gate_at(store, RecordingDoor())
    _pass_id, payload = issue()
    new_key = Ed25519PrivateKey.generate()
    store.replace_keys([("k2", public_key_to_base64url(new_key.public_key()), None)])
    assert gate.scan(payload, "in").decision.reason == "unknown_key"
    with pytest.raises(ValueError, match="key"):
        store.replace_keys([("k3", "not-a-key", None)])
    assert list(store.keyring()) == ["k2"]  # nothing replaced by a bad answer


def test_two_agents_on_one_state_directory_never_both_count_the_last_place(tmp_path: Path) -> None:
    state = tmp_path / "state"
    entrance, second_reader = enrolled_store(state), StateStore(state)
    _pass_id, payload = issue(party_size=1)
    first = gate_at(entrance, RecordingDoor()).scan(payload, "in")
    second = gate_at(second_reader, RecordingDoor()).scan(payload, "in")
    assert (first.decision.reason, second.decision.reason) == ("ok", "already_inside")


def test_backoff_grows_with_jitter_up_to_its_ceiling_and_resets() -> None:
    backoff = Backoff(base=10, ceiling=300, rng=random.Random(4))
    delays = [backoff.failure() for _ in range(12)]
    assert all(5 <= d <= 300 for d in delays)
    assert max(delays[6:]) > 100  # it does grow
    assert backoff.success() == 10
    assert backoff.failures == 0


def test_the_same_code_read_again_within_the_window_is_one_scan() -> None:
    debounce = Debounce(seconds=3)
    assert debounce.fresh("EST:A", now=100.0)
    assert not debounce.fresh("EST:A", now=101.0)
    assert debounce.fresh("EST:B", now=101.5)
    assert not debounce.fresh("EST:A", now=103.5)  # still held in front of the camera
    assert debounce.fresh("EST:A", now=107.0)


def test_a_camera_stream_keeps_a_code_once_while_it_stays_in_view() -> None:
    readings = iter([(0.0, "EST:A"), (0.1, "EST:A"), (2.9, "EST:A"), (3.0, "EST:B"), (9.0, "EST:A")])
    clock_at = [0.0]

    def frames() -> Iterator[str]:
        for at, payload in readings:
            clock_at[0] = at
            yield payload

    assert list(debounced(frames(), Debounce(3, clock=lambda: clock_at[0]))) == ["EST:A", "EST:B", "EST:A"]


def test_a_qr_code_is_read_from_a_camera_sized_frame_and_an_empty_one_says_so(tmp_path: Path) -> None:
    _pass_id, payload = issue()
    assert decode_image(qr_image(payload)) == payload
    qr_image(payload).save(tmp_path / "frame.png")
    assert decode_file(tmp_path / "frame.png") == payload
    with pytest.raises(NoCodeFound):
        decode_image(Image.new("L", (640, 480), 255))


def test_a_watched_folder_yields_each_image_once_and_moves_it_aside(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    payloads = [issue()[1] for _ in range(2)]
    for index, payload in enumerate(payloads):
        qr_image(payload).save(folder / f"{index}.png")
    (folder / "notes.txt").write_text("not an image")
    Image.new("L", (64, 64), 255).save(folder / "blank.png")
    reader = watched_folder(folder)
    assert [next(reader), next(reader)] == payloads
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["0.png", "1.png"]
    assert (folder / "notes.txt").exists()


def test_scan_exit_codes_granted_denied_and_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    enrolled_store(state).close()
    pass_id, payload = issue()
    during = ["--state", str(state), "--now", DURING.isoformat()]
    code, lines = run_cli([*during, "scan", payload], capsys)
    assert (code, lines[0]["decision"], lines[0]["pass_id"]) == (0, "granted", str(pass_id))
    code, lines = run_cli([*during, "scan", "--direction", "in", payload], capsys)
    assert (code, lines[0]["reason"]) == (1, "already_inside")
    code, lines = run_cli([*during, "scan", "EST:NOT A PASS"], capsys)
    assert (code, lines[0]["reason"], lines[0]["pass_id"]) == (1, "malformed", None)
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    assert run_cli([*during, "scan", "--image", str(blank)], capsys) == (2, [])
    assert run_cli([*during, "scan"], capsys) == (2, [])
    assert run_cli(["--state", str(tmp_path / "new"), "scan", payload], capsys) == (2, [])  # not enrolled
    with pytest.raises(SystemExit) as usage:
        cli.main(["--state", str(state), "scan", "--direction", "sideways", payload])
    assert usage.value.code == 2


def test_run_decides_every_stdin_line_so_a_family_scans_one_pass_once_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    enrolled_store(state).close()
    family, single = issue(party_size=2)[1], issue()[1]
    # A scanner types these within a second, well inside the default --repeat-seconds of 3.
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{family}\n\n{family}\n{single}\n{family}\n"))
    code, lines = run_cli(
        ["--state", str(state), "--now", DURING.isoformat(), "run", "--sync-interval", "0"], capsys
    )
    assert code == 0
    assert [(line["decision"], line["reason"]) for line in lines] == [
        ("granted", "ok"),
        ("granted", "ok"),  # the second person of the family
        ("granted", "ok"),
        ("denied", "already_inside"),  # a third person on a pass for two: refused, and journaled
    ]
    assert [e.reason for e in StateStore(state).journal()] == ["ok", "ok", "ok", "already_inside"]


def test_sync_fails_soft_when_the_server_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    enrolled_store(state).close()  # enrolled against a closed port
    code, lines = run_cli(["--state", str(state), "sync"], capsys)
    assert code == 0
    assert lines[0]["synced"] is False
    assert "unreachable" in str(lines[0]["error"])
    assert run_cli(["--state", str(tmp_path / "new"), "sync"], capsys) == (2, [])


def test_the_agent_runs_without_loading_any_of_the_server(tmp_path: Path) -> None:
    """The gate computer installs `estivage[gate]` only: the agent must not even import the server's
    packages (import-linter checks the imports statically; this checks what a real run loads)."""
    state = tmp_path / "state"
    enrolled_store(state).close()
    image = tmp_path / "pass.png"
    qr_image(issue()[1]).save(image)
    during = ["--state", str(state), "--now", DURING.isoformat()]
    runs = [[*during, "status"], [*during, "scan", issue()[1]], [*during, "scan", "--image", str(image)]]
    runs.append([*during, "sync"])  # against a closed port: fails soft, but loads all of httpx
    script = (
        "import sys, json\n"
        "from gateway_agent import cli\n"
        f"codes = [cli.main(argv) for argv in {runs!r}]\n"
        "print(json.dumps({'codes': codes, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["codes"] == [0, 0, 0, 0]
    loaded = set(report["modules"])
    # Of the project's access package, only the pass format: not its domain, models, keys or anything
    # added to it later.
    assert {m for m in loaded if m == "access" or m.startswith("access.")} == {"access", "access.passformat"}
    server_side = {
        "litestar",
        "sqlalchemy",
        "advanced_alchemy",
        "stripe",
        "redis",
        "asyncpg",
        "estivage",
        "booking",
        "inventory",
        "payments",
        "msgspec",
        "jinja2",
        "uvicorn",
    }
    assert {m.split(".")[0] for m in loaded} & server_side == set()
    assert {"gateway_agent.sync", "httpx", "zxingcpp", "cryptography"} <= loaded
