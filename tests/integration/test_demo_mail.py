"""`estivage demo` delivers its own mail, no worker started: a newcomer who books and pays finds the
confirmation as an `.eml` file under the data directory (the real command, in its own process, on a fresh
embedded database); and the demo's way of sending, in process, hands it to a real SMTP server
(aiosmtpd on loopback) when ESTIVAGE_SMTP_URL says one."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import Clock
from tests.integration.test_mail import _confirmed
from tests.support.servers import stop
from tests.support.smtp import free_port, smtp_server

START_SECONDS = 120.0
MAIL_SECONDS = 30.0


@contextmanager
def _demo(data_dir: Path, **env: str) -> Iterator[str]:
    """`estivage demo` on a free port until the block ends; its address."""
    port = free_port()
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "ESTIVAGE_SMTP_URL", "ESTIVAGE_MAIL_IN_APP", "ESTIVAGE_PAYMENTS"}
    }
    log = (data_dir / "demo.log").open("wb")  # a file, not a pipe nobody reads (it would fill and block)
    process = subprocess.Popen(
        [sys.executable, "-m", "estivage.cli", "demo", "--host", "127.0.0.1", "--port", str(port)],
        env={**clean, "ESTIVAGE_DATA_DIR": str(data_dir), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(base), START_SECONDS, "the demo to answer")
        yield base
    finally:
        stop(process, 20)
        log.close()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(done: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"waited {seconds} s for {what}")


def _book_and_pay(base: str) -> str:
    """M0001 holds an off-season studio at Ifrane in the coming weeks and pays by holiday credit."""
    with httpx.Client(base_url=base, timeout=10) as client:
        login = client.post("/api/auth/token", json={"username": "M0001", "password": "estivage-demo"})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for days in range(10, 24):  # the first arrival the season's rules take
            arrival = datetime.now(ZoneInfo("Africa/Casablanca")).date() + timedelta(days=days)
            stay = {
                "centre": "ifrane",
                "unit_type": "studio",
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=3)).isoformat(),
                "guests": 2,
            }
            held = client.post("/api/bookings", json=stay, headers=headers)
            if held.status_code == 201:
                break
        assert held.status_code == 201, held.text
        booking_id = str(held.json()["id"])
        paid = client.post(
            f"/api/bookings/{booking_id}/checkout",
            json={"method": "payroll", "instalments": 2},
            headers=headers,
        )
        assert paid.status_code == 200, paid.text
        return booking_id


def _is_the_confirmation(message: EmailMessage) -> None:
    assert message["To"] == "m0001@members.estivage.example"
    assert message["From"]  # stamped by the sender (ESTIVAGE_MAIL_FROM)
    assert message["Message-ID"]
    kinds = {part.get_content_type() for part in message.iter_attachments()}
    assert kinds == {"image/png", "text/calendar"}
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    # The centre's address as seeded, in the member's language (M0001 reads Arabic), and its times.
    assert "شارع الأرز، 53000 إفران" in text or "Avenue des Cèdres, 53000 Ifrane" in text
    assert "14:00" in text


def test_the_demo_writes_the_confirmation_as_an_eml_file_a_newcomer_can_open(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    with _demo(tmp_path) as base:
        _book_and_pay(base)
        [written] = _wait(lambda: sorted(outbox.glob("*.eml")), MAIL_SECONDS, "an .eml file")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    _is_the_confirmation(message)


async def test_the_demos_server_sends_to_the_smtp_server_it_is_given_without_a_worker(
    settings: Settings, clock: Clock
) -> None:
    """The demo's way of sending (ESTIVAGE_MAIL_IN_APP, set by `estivage demo`), in process: the app's
    own sender hands the confirmation to the SMTP server of ESTIVAGE_SMTP_URL, and writes no file."""
    with smtp_server() as (box, port):
        demo_like = dataclasses.replace(settings, mail_in_app=True, smtp_url=f"smtp://127.0.0.1:{port}")
        async with AsyncTestClient(app=create_app(demo_like, clock=clock)) as client:
            await _confirmed(client, "M0001")
            for _tick in range(int(MAIL_SECONDS / 0.2)):  # the sender idles 2 s between rounds
                if box.messages:
                    break
                await asyncio.sleep(0.2)
    [message] = box.messages
    _is_the_confirmation(message)
    assert not (settings.data_dir / "outbox").exists()
