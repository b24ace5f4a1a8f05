"""The gate's outside inputs fuzzed (issue 15, the sweep): whatever a scanner types on standard input and
whatever file lands in the watched folder or is given to `scan --image`, the agent decides or refuses,
never prints a traceback, exits as CONTRACT.md says (0 granted, 1 denied, 2 usage), and `run` goes on to
the next input.

Generated with Hypothesis, derandomised (the same examples on every run). The budget is CI's;
ESTIVAGE_FUZZ_SCALE=N multiplies it for a wider local sweep (docs/security.md).
"""

from __future__ import annotations

import io
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import EpsImagePlugin, Image

from gateway_agent import cli as gateway_cli
from gateway_agent.decision import GatePolicy
from gateway_agent.gate import Gate
from gateway_agent.inputs import (
    MAX_IMAGE_PIXELS,
    MAX_LINE_BYTES,
    ImageRefused,
    NoCodeFound,
    decode_file,
    stdin_payloads,
)
from gateway_agent.peers import HEADER as PEER_HEADER
from gateway_agent.peers import PATH as PEER_PATH
from gateway_agent.peers import Credentials, PeerServer
from tests.unit.gateway_agent.support import (
    CASABLANCA,
    DURING,
    RecordingDoor,
    enrolled_store,
    first_from_watched_folder,
    issue,
    qr_image,
    run_cli,
)

SCALE = max(1, int(os.environ.get("ESTIVAGE_FUZZ_SCALE", "1")))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),  # a busy machine, big examples: not defects
    )


# --- what a scanner may type --------------------------------------------------------------------------

# Lines as bytes: anything, including bytes that are not UTF-8, NULs, carriage returns, and now and then
# a line far past any pass (a scanner stuck on one key).
lines = st.one_of(
    st.binary(max_size=300).map(lambda raw: raw.replace(b"\n", b"")),
    st.text(max_size=300).map(lambda text: text.replace("\n", "").encode()),
    st.builds(
        lambda head, size: head + b"9" * size, st.sampled_from([b"EST:", b"#", b""]), st.integers(0, 20_000)
    ),
)


@budget(200)
@given(st.lists(lines, max_size=8))
def test_standard_input_yields_a_bounded_text_line_for_every_line_typed_whatever_its_bytes(
    typed: list[bytes],
) -> None:
    # A strict UTF-8 text stream, as Python opens stdin under a UTF-8 locale: decoding its lines
    # would raise on the first byte that is not UTF-8 (before the fix, the input ended there).
    stream = io.TextIOWrapper(io.BytesIO(b"\n".join(typed) + b"\n"), encoding="utf-8", errors="strict")
    payloads = list(stdin_payloads(stream))
    assert len(payloads) == sum(1 for line in typed if line[:MAX_LINE_BYTES].decode(errors="replace").strip())
    for payload in payloads:
        assert len(payload.encode()) <= 3 * MAX_LINE_BYTES  # U+FFFD is three bytes
        payload.encode("utf-8")  # no lone surrogate left to fail on later (journal, JSON output)


def test_a_line_with_no_end_is_read_a_bounded_piece_at_a_time() -> None:
    class Endless(io.RawIOBase):
        """A scanner stuck on one key: 'A' for ever, never a newline; counts what was asked for."""

        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            if self.served > 50 * MAX_LINE_BYTES:
                return 0  # unplugged at last
            buffer[:] = b"A" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    reader = stdin_payloads(io.BufferedReader(Endless(), buffer_size=1024))  # type: ignore[arg-type]
    assert [len(payload) for payload in reader] == [MAX_LINE_BYTES]


@pytest.fixture(scope="module")
def gate() -> Iterator[Gate]:
    with tempfile.TemporaryDirectory() as directory:
        store = enrolled_store(Path(directory) / "state")
        policy = GatePolicy(centre="ifrane", timezone=CASABLANCA)
        yield Gate(store, policy, RecordingDoor(), clock=DURING.timestamp)
        store.close()


payloads = st.one_of(
    st.text(max_size=400),
    st.binary(max_size=300).map(lambda raw: raw.decode("utf-8", errors="surrogateescape")),  # from argv
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=260).map("EST:".__add__),
)


@budget(300)
@given(payload=payloads, direction=st.sampled_from(["in", "out"]))
def test_any_text_read_as_a_pass_is_refused_with_a_reason_and_never_raises(
    gate: Gate, payload: str, direction: str
) -> None:
    outcome = gate.scan(payload, direction)  # type: ignore[arg-type]
    assert outcome.decision.granted is False
    assert outcome.decision.reason in {"malformed", "unsupported_version", "unknown_key", "bad_signature"}


@budget(25)
@given(typed=st.lists(lines, min_size=1, max_size=5))
def test_run_decides_every_line_and_still_grants_the_pass_after_any_garbage(
    typed: list[bytes], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    state = tmp_path_factory.mktemp("gate") / "state"
    enrolled_store(state).close()
    _pass_id, good = issue()
    stdin = b"\n".join([*typed, good.encode()]) + b"\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="strict"))
    code, decided = run_cli(
        ["--state", str(state), "--now", DURING.isoformat(), "run", "--sync-interval", "0"], capsys
    )
    assert code == 0
    assert (decided[-1]["decision"], decided[-1]["reason"]) == ("granted", "ok")
    assert all(line["decision"] == "denied" for line in decided[:-1])


def test_run_under_a_strict_locale_goes_on_after_bytes_that_are_not_utf8_and_a_runaway_line(
    tmp_path: Path,
) -> None:
    """The real process, its standard input a pipe decoded strictly (PYTHONIOENCODING), as under a
    UTF-8 locale: before the fix the first byte that is not UTF-8 ended the input with a traceback."""
    state = tmp_path / "state"
    enrolled_store(state).close()
    _pass_id, good = issue()
    typed = (
        b"\xff\xfe\x00\x80 scanner noise\n"
        + b"#"
        + b"A" * 5_000_000
        + b"\n\x00\x00\n"
        + good.encode()
        + b"\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "gateway_agent", "--state", str(state), "--now", DURING.isoformat(), "run",
         "--sync-interval", "0"],
        input=typed, capture_output=True, timeout=120, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )  # fmt: skip
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 0, err
    assert "Traceback" not in err
    decided = [line for line in done.stdout.decode().splitlines() if line]
    assert len(decided) == 4
    assert '"decision": "granted"' in decided[-1]
    assert f"a line of more than {MAX_LINE_BYTES} bytes" in err


# --- what may land in the watched folder ----------------------------------------------------------------

SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "BMP": ".bmp", "WEBP": ".webp"}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def lie_about_size(data: bytearray, image_format: str, width: int, height: int) -> None:
    """Write another size into the file's header, leaving the pixels as they were."""
    if image_format == "PNG":
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    elif image_format == "JPEG":
        frame = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
        data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    elif image_format == "GIF":
        data[6:10] = struct.pack("<HH", width, height)
    elif image_format == "BMP":
        data[18:26] = struct.pack("<ii", width, height)
    else:  # WEBP, lossy: the VP8 frame header's 14-bit sizes
        data[26:30] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)


@st.composite
def image_files(draw: st.DrawFn) -> tuple[str, bytes, int]:
    """A real image in a gate's formats, then damaged: cut short, bytes changed, or a header that lies
    about its size. Also the bytes it claims as its pixel count, when it lies."""
    image_format = draw(st.sampled_from(list(SUFFIXES)))
    size = (draw(st.integers(1, 120)), draw(st.integers(1, 120)))
    mode = "RGB" if image_format in {"JPEG", "WEBP"} else draw(st.sampled_from(["1", "L", "P", "RGB"]))
    noise = random.Random(draw(st.integers(0, 2**32))).randbytes(size[0] * size[1])
    picture = Image.frombytes("L", size, noise).convert(mode)
    out = io.BytesIO()
    picture.save(out, image_format)
    data = bytearray(out.getvalue())
    claimed = size[0] * size[1]
    damage = draw(st.sampled_from(["none", "cut", "bytes", "size"]))
    if damage == "cut":
        del data[draw(st.integers(0, len(data) - 1)) :]
    elif damage == "bytes":
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif damage == "size":
        width, height = draw(st.integers(1, 65_535)), draw(st.integers(1, 65_535))
        if image_format == "WEBP":
            width, height = width & 0x3FFF or 1, height & 0x3FFF or 1
        lie_about_size(data, image_format, width, height)
        claimed = width * height
    return image_format, bytes(data), claimed


MAGIC = [
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"GIF89a",
    b"BM",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"%!PS-Adobe-3.0 EPSF-3.0\n",
    b"II*\0",
    b"",
]
headers_and_noise = st.tuples(st.sampled_from(MAGIC), st.binary(max_size=2048)).map(b"".join)


@budget(300)
@given(image=image_files())
def test_a_damaged_or_lying_image_is_read_or_refused_never_an_error(
    image: tuple[str, bytes, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    image_format, data, claimed = image
    path = tmp_path_factory.mktemp("frame") / f"frame{SUFFIXES[image_format]}"
    path.write_bytes(data)
    if claimed > MAX_IMAGE_PIXELS:
        with pytest.raises(ImageRefused):  # by its header, before a pixel is decoded
            decode_file(path)
    else:
        with pytest.raises(NoCodeFound):  # noise holds no QR code; damage may make it no image at all
            decode_file(path)


@pytest.fixture(scope="module")
def enrolled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("enrolled") / "state"
    enrolled_store(state).close()
    return state


@budget(150)
@given(data=headers_and_noise)
def test_random_bytes_behind_an_image_header_are_refused_by_scan_as_a_usage_error(
    data: bytes, enrolled: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path_factory.mktemp("scan")
    state = enrolled
    (directory / "frame.png").write_bytes(data)
    code = gateway_cli.main(["--state", str(state), "scan", "--image", str(directory / "frame.png")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("gateway-agent: error: ")
    assert "Traceback" not in err


def test_only_the_formats_a_camera_writes_are_opened_not_whatever_pillow_recognises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An EPS file named .png: Pillow knows EPS by its first bytes and renders it with Ghostscript, a
    PostScript interpreter, as the image loads. A TIFF holding a real pass is refused as well."""
    rendered: list[object] = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *args, **kwargs: rendered.append(args))
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs")
    eps = tmp_path / "frame.png"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\nshowpage\n%%EOF\n")
    with pytest.raises(ImageRefused):
        decode_file(eps)
    assert rendered == []
    tiff = tmp_path / "pass.png"
    qr_image(issue()[1]).save(tiff, "TIFF")
    with pytest.raises(ImageRefused):
        decode_file(tiff)


def test_run_watching_a_folder_goes_on_after_every_kind_of_bad_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = {
        "1-lying.png": _lying_png(60_000, 60_000),
        "2-cut.jpg": _jpeg()[:200],
        "3-noise.gif": b"GIF89a" + random.Random(3).randbytes(500),
        "4-empty.webp": b"",
        "5-eps.bmp": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n",
    }
    for index, (name, data) in enumerate(bad.items()):
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, ns=(index * 1_000_000_000, index * 1_000_000_000))  # oldest first
    _pass_id, payload = issue()
    qr_image(payload).save(inbox / "9-pass.png")
    state = tmp_path / "state"
    enrolled_store(state).close()
    line, err = first_from_watched_folder(state, inbox, timeout=30)
    assert '"decision": "granted"' in line
    assert "Traceback" not in err
    assert sorted(p.name for p in (inbox / "done").iterdir()) == sorted([*bad, "9-pass.png"])
    assert all(f"{name}: refused" in err for name in bad), err


def _lying_png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0\0" * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


# --- what may reach the peers' port on the LAN ------------------------------------------------------------


PEER_KEYS = [("1", "a" * 43)]


def ask_a_peer(store_dir: Path, request: bytes) -> str:
    """``request`` sent as it is to a gate's peer port; its status line."""
    store = enrolled_store(store_dir)
    store.set_settings({"peer_keys": json.dumps(PEER_KEYS)})
    server = PeerServer(("127.0.0.1", 0), store, DURING.timestamp, lambda: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        with socket.create_connection((str(host), int(port)), timeout=10) as peer:
            peer.sendall(request)
            answer = b""
            while b"\r\n" not in answer and (chunk := peer.recv(4096)):
                answer += chunk
            return answer.decode(errors="replace").split("\r\n", 1)[0]
    finally:
        server.shutdown()
        server.server_close()
        server.close_store()


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "٣", str(2 << 20)])
def test_the_peer_port_answers_a_bad_content_length_without_a_traceback(
    length: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read before the message is authenticated: before the fix, a count that is not a number raised in
    the handler (a traceback on the gate's log, no answer) and a negative one read until hang-up."""
    request = f"POST /peer/events HTTP/1.1\r\nHost: gate\r\nContent-Length: {length}\r\n\r\n{{}}"
    status = ask_a_peer(tmp_path / "state", request.encode())
    assert status in {"HTTP/1.1 400 Bad Request", "HTTP/1.1 413 Request Entity Too Large"}
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("body", [b"[]", b"null", b"7", b'"events"', b'{"events": {}}', b"\xff{", b""])
def test_a_signed_peer_message_whose_body_is_no_batch_is_a_400_not_a_traceback(
    body: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Signed with the centre's key (a gate of the centre, or its key leaked): before the fix, a body
    that was JSON but not an object raised in the handler, with no answer."""
    header, _mac = Credentials("ifrane", "another-gate", PEER_KEYS).sign_request("POST", PEER_PATH, body)
    head = f"POST {PEER_PATH} HTTP/1.1\r\nHost: gate\r\n{PEER_HEADER}: {header}\r\n"
    status = ask_a_peer(tmp_path / "state", f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    assert status == "HTTP/1.1 400 Bad Request"
    assert "Traceback" not in capsys.readouterr().err
