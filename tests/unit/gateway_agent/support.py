"""What the agent's tests share: a signing key and passes signed with it, an enrolled state directory,
a door that remembers, QR images, the command line run in-process, and `run` watching a folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from access.passformat import PassClaims, public_key_to_base64url, sign_pass
from gateway_agent import cli
from gateway_agent.decision import unix_seconds
from gateway_agent.journal import StateStore

CASABLANCA = ZoneInfo("Africa/Casablanca")
KEY = Ed25519PrivateKey.generate()
PUBLIC_KEY = public_key_to_base64url(KEY.public_key())
ARRIVAL = datetime(2026, 12, 20, 15, 0, tzinfo=CASABLANCA)
DEPARTURE = datetime(2026, 12, 24, 12, 0, tzinfo=CASABLANCA)
DURING = datetime(2026, 12, 21, 10, 0, tzinfo=CASABLANCA)


def issue(
    party_size: int = 1, centre: str = "ifrane", key: Ed25519PrivateKey = KEY, kid: str = "k1"
) -> tuple[uuid.UUID, str]:
    pass_id = uuid.uuid4()
    claims = PassClaims(pass_id, centre, unix_seconds(ARRIVAL), unix_seconds(DEPARTURE), party_size)
    return pass_id, sign_pass(claims, key, kid)


class RecordingDoor:
    def __init__(self) -> None:
        self.actions: list[tuple[str, str]] = []

    def grant(self, reason: str) -> None:
        self.actions.append(("open", reason))

    def refuse(self, reason: str) -> None:
        self.actions.append(("locked", reason))

    def close(self) -> None:
        self.actions.append(("closed", ""))


def enrolled_store(directory: Path, server: str = "http://127.0.0.1:9") -> StateStore:
    """A gate enrolled at Ifrane that trusts KEY as k1; by default its server is a closed port."""
    store = StateStore(directory)
    store.set_settings(
        {
            "server": server,
            "token": "dev_x.y",
            "device_id": str(uuid.uuid4()),
            "centre": "ifrane",
            "time_zone": "Africa/Casablanca",
        }
    )
    store.replace_keys([("k1", PUBLIC_KEY, None)])
    return store


def qr_image(text: str, size: tuple[int, int] = (640, 480)) -> Image.Image:
    code = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4).get_image()
    frame = Image.new("L", size, 200)
    frame.paste(code.convert("L"), (size[0] // 3, size[1] // 5))
    return frame


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    """The command in this process: its exit code and its JSON lines (a traceback fails the test)."""
    code = cli.main(argv)
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def first_from_watched_folder(state: Path, folder: Path, timeout: float = 20) -> tuple[str, str]:
    """`gateway-agent run` (its own process) watching ``folder`` until it prints its first decision: that
    line, and what it wrote on stderr by the time it stopped."""
    running = subprocess.Popen(
        [sys.executable, "-m", "gateway_agent", "--state", str(state), "--now", DURING.isoformat(), "run",
         "--no-stdin", "--watch", str(folder), "--sync-interval", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert running.stdout is not None
        line = running.stdout.readline()
    finally:
        running.send_signal(signal.SIGTERM)
        _out, err = running.communicate(timeout=timeout)
    return line, err
