"""The gate staff's tools on a gate with its synced roster: a booking found by its code, the holder's
name beside each decision, an override with its reason; a reissued pass that continues its party's
count; and pictures that are not what a camera sends."""

from __future__ import annotations

import struct
import uuid
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from access.passformat import PassClaims, booking_code, sign_pass
from gateway_agent import cli as gateway_cli
from gateway_agent import roster
from gateway_agent.decision import unix_seconds
from gateway_agent.inputs import MAX_IMAGE_PIXELS, ImageRefused, decode_file, watched_folder
from gateway_agent.journal import StateStore
from gateway_agent.roster import RosterStay
from tests.unit.gateway_agent.support import (
    ARRIVAL,
    DEPARTURE,
    DURING,
    KEY,
    enrolled_store,
    first_from_watched_folder,
    issue,
    qr_image,
    run_cli,
)

BOOKING = uuid.UUID("b0a4c1d2-7e3f-4a5b-9c6d-0e1f2a3b4c5d")
CODE = booking_code(BOOKING)  # CA2F-DA8F, as in docs/pass-format.md


def signed(
    booking: uuid.UUID | None, party_size: int = 1, pass_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, str]:
    pass_id = pass_id or uuid.uuid4()
    claims = PassClaims(
        pass_id, "ifrane", unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), party_size, booking
    )
    return pass_id, sign_pass(claims, KEY, "k1")


def stay(pass_id: uuid.UUID | None, party_size: int = 1, booking: uuid.UUID = BOOKING) -> RosterStay:
    window = unix_seconds(ARRIVAL), unix_seconds(DEPARTURE)
    return RosterStay(
        booking,
        booking_code(booking),
        pass_id,
        "ifrane",
        *window,
        party_size,
        "Fatima Bennani",
        "فاطمة بناني",
        "A12",
    )


@pytest.fixture
def state(tmp_path: Path) -> Path:
    enrolled_store(tmp_path / "state").close()
    return tmp_path / "state"


def cli(state: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    return run_cli(["--state", str(state), "--now", DURING.isoformat(), *argv], capsys)


def with_roster(
    state: Path, *stays: RosterStay, passes: tuple[tuple[uuid.UUID, uuid.UUID], ...] = ()
) -> None:
    store = StateStore(state)
    roster.replace(store, stays, passes)
    store.close()


def test_a_typed_code_decides_like_the_pass_and_shows_who_it_is(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pass_id, payload = signed(BOOKING)
    with_roster(state, stay(pass_id))
    code, [line] = cli(state, capsys, "lookup", CODE.lower().replace("-", " "))
    assert code == 0
    assert (line["decision"], line["reason"], line["pass_id"], line["booking_code"]) == (
        "granted",
        "ok",
        str(pass_id),
        CODE,
    )
    assert (line["holder"], line["holder_ar"], line["party_size"], line["unit"], line["inside"]) == (
        "Fatima Bennani", "فاطمة بناني", 1, "A12", 1
    )  # fmt: skip
    # The same party, now through its pass: it is inside already.
    code, [line] = cli(state, capsys, "scan", payload)
    assert (code, line["reason"], line["holder"]) == (1, "already_inside", "Fatima Bennani")
    code, [line] = cli(state, capsys, "lookup", "--direction", "out", CODE)
    assert (code, line["reason"], line["inside"]) == (0, "ok", 0)


def test_a_code_the_roster_does_not_hold_is_refused_and_journaled(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_roster(state, stay(None))
    for typed in ("ZZZZ-ZZZZ", "not a code"):
        code, [line] = cli(state, capsys, "lookup", typed)
        assert (code, line["decision"], line["reason"], line["pass_id"]) == (
            1,
            "denied",
            "unknown_code",
            None,
        )
    assert [e.reason for e in StateStore(state).journal()] == ["unknown_code", "unknown_code"]


def test_a_booking_without_a_pass_yet_is_admitted_by_its_code(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_roster(state, stay(None, party_size=2))
    lines = [cli(state, capsys, "lookup", CODE)[1][0] for _ in range(3)]
    assert [line["reason"] for line in lines] == ["ok", "ok", "already_inside"]
    [first, *_] = StateStore(state).journal()
    assert (first.pass_id, first.booking_id) == (None, BOOKING)


def test_a_stay_is_forgotten_after_its_departure(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_roster(state, stay(None))
    store = StateStore(state)
    assert roster.forget_departed(store, unix_seconds(DURING), 15 * 60) == 0
    assert roster.forget_departed(store, unix_seconds(DEPARTURE) + 15 * 60, 15 * 60) == 1
    assert roster.count(store) == 0
    assert cli(state, capsys, "lookup", CODE)[1][0]["reason"] == "unknown_code"


def test_an_override_lets_in_whatever_the_rules_said_and_keeps_the_reason(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pass_id, payload = signed(BOOKING)
    with_roster(state, stay(pass_id))
    assert cli(state, capsys, "scan", payload)[0] == 0
    assert cli(state, capsys, "scan", payload)[1][0]["reason"] == "already_inside"
    code, [line] = cli(state, capsys, "override", "--reason", "  her son, ID checked  ", "--code", CODE)
    assert (code, line["decision"], line["reason"], line["note"], line["inside"]) == (
        0, "granted", "override", "her son, ID checked", 2
    )  # fmt: skip
    code, [line] = cli(state, capsys, "override", "--reason", "the reader is broken", payload)
    assert (code, line["reason"], line["inside"]) == (0, "override", 3)
    overrides = [e for e in StateStore(state).journal() if e.reason == "override"]
    assert [(e.note, e.booking_id, e.decision) for e in overrides] == [
        ("her son, ID checked", BOOKING, "granted"),
        ("the reader is broken", BOOKING, "granted"),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["override", "--reason", "   ", "--code", CODE],
        ["override", "--reason", "x" * 201, "--code", CODE],
        ["override", "--reason", "why", "--code", "ZZZZ-ZZZZ"],
        ["override", "--reason", "why"],
    ],
    ids=["blank-reason", "long-reason", "unknown-code", "nothing-named"],
)
def test_an_override_that_cannot_be_acted_on_is_a_usage_error(
    state: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with_roster(state, stay(None))
    assert cli(state, capsys, *argv) == (2, [])
    assert StateStore(state).journal() == []


def test_a_forged_pass_cannot_be_overridden(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forged = sign_pass(
        PassClaims(uuid.uuid4(), "ifrane", unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), 1, BOOKING),
        Ed25519PrivateKey.generate(),
        "k1",
    )
    assert cli(state, capsys, "override", "--reason", "trust me", forged) == (2, [])
    assert StateStore(state).journal() == []


def test_a_reissued_pass_continues_its_predecessors_count(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _first, old = signed(BOOKING)
    _second, new = signed(BOOKING)
    assert cli(state, capsys, "scan", old)[1][0]["reason"] == "ok"
    code, [line] = cli(state, capsys, "scan", new)  # a second person on the reissued pass
    assert (code, line["reason"]) == (1, "already_inside")
    assert cli(state, capsys, "scan", "--direction", "out", new)[1][0]["reason"] == "ok"
    assert cli(state, capsys, "scan", old)[1][0]["reason"] == "ok"


def test_a_version_1_pass_joins_its_bookings_count_once_the_gate_learns_the_booking(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older_id, older = signed(None)  # issued before version 2: no booking in it
    current_id, current = signed(BOOKING)
    assert cli(state, capsys, "scan", older)[1][0]["reason"] == "ok"
    with_roster(state, stay(current_id), passes=((older_id, BOOKING), (current_id, BOOKING)))
    code, [line] = cli(state, capsys, "scan", current)
    assert (code, line["reason"], line["inside"]) == (1, "already_inside", 1)


# --- pictures that are not what a camera sends (issue 15, item 6) ----------------------------------


def decompression_bomb(path: Path, side: int = 20_000) -> Path:
    """A real PNG, side × side one-bit pixels, all white: 50 MB of pixels in some 50 KB of file."""
    squeeze = zlib.compressobj(9)
    row = b"\0" + b"\xff" * (side // 8)
    data = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def test_a_decompression_bomb_is_refused_by_scan_as_a_usage_error(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = decompression_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 200_000
    code = gateway_cli.main(["--state", str(state), "scan", "--image", str(bomb)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "more than a camera frame" in err
    assert "Traceback" not in err
    with pytest.raises(ImageRefused, match="400000000 pixels"):
        decode_file(bomb)


def test_an_image_under_pillows_bound_but_over_a_frame_is_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(ImageRefused, match="5000×5000 pixels is more than a camera frame"):
        decode_file(decompression_bomb(tmp_path / "large.png", side=5000))


def test_a_file_that_is_no_image_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "frame.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(ImageRefused):
        decode_file(broken)
    assert MAX_IMAGE_PIXELS >= 4000 * 3000  # a phone's photo of a pass still reads


def test_the_watched_folder_goes_on_after_a_bomb(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    decompression_bomb(inbox / "1-bomb.png")
    _pass_id, payload = issue()
    qr_image(payload).save(inbox / "2-pass.png")
    assert next(watched_folder(inbox)) == payload
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["1-bomb.png", "2-pass.png"]


def test_run_decides_the_next_image_after_a_bomb(state: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    decompression_bomb(inbox / "1-bomb.png")  # the older file: taken up first
    _pass_id, payload = issue()
    qr_image(payload).save(inbox / "2-pass.png")
    line, err = first_from_watched_folder(state, inbox)  # before the fix: the folder input died, no line
    assert '"decision": "granted"' in line
    assert "1-bomb.png: refused" in err
    assert "Traceback" not in err
