"""The gateway agent as a separate process against the real server on loopback.

Enrol, book and pay, scan in → granted, in again → denied (passback), out, in → granted; cancel, sync →
revoked; the server stops, a batch is scanned offline, the server comes back, sync → every event stored
exactly once. And a crash: the agent killed with SIGKILL in the middle of a stream of scans loses none of
the scans it decided.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import func, select

from access.models import GateEvent
from estivage.app import create_app
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import PASSWORD, STAY, Clock
from tests.support.live import live_server
from tests.support.servers import free_port

# The stay's second morning, Casablanca time: the pass is valid.
DURING_STAY = "2026-12-21T10:00:00+01:00"
AGENT = [sys.executable, "-m", "gateway_agent"]


def agent(state: Path, *argv: str, now: str | None = DURING_STAY) -> tuple[int, list[dict[str, Any]]]:
    clock = ["--now", now] if now else []
    done = subprocess.run(
        [*AGENT, "--state", str(state), *clock, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, lines


def scanning(state: Path, sync_interval: str) -> subprocess.Popen[str]:
    """`gateway-agent run` reading a scanner's lines on its stdin, each decision a line on its stdout."""
    running = subprocess.Popen(
        [*AGENT, "--state", str(state), "--now", DURING_STAY, "run",
         "--sync-interval", sync_interval, "--repeat-seconds", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
    )  # fmt: skip
    assert running.stdin is not None
    assert running.stdout is not None
    return running


def login(http: httpx.Client, username: str) -> dict[str, str]:
    token = http.post("/api/auth/token", json={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def paid_pass(http: httpx.Client, username: str, **stay: Any) -> tuple[str, str, dict[str, str]]:
    """A member books a stay and pays in test mode; returns the booking id, its pass payload, the headers."""
    member = login(http, username)
    booking = http.post("/api/bookings", json={**STAY, "guests": 1, **stay}, headers=member)
    assert booking.status_code == 201, booking.text
    booking_id = booking.json()["id"]
    checkout = http.post(f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member)
    redirect = checkout.json()["redirect_url"].split("?")[0]
    assert http.post(redirect + "/confirm", headers=member).status_code in (200, 303)
    issued = http.get(f"/api/bookings/{booking_id}/pass", headers=member)
    assert issued.status_code == 200, issued.text
    return booking_id, issued.json()["payload"], member


async def stored_events(settings: Settings) -> list[tuple[uuid.UUID, str, str]]:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = (
            await session.execute(select(GateEvent.event_id, GateEvent.direction, GateEvent.reason))
        ).all()
        assert await session.scalar(select(func.count()).select_from(GateEvent)) == len(rows)
    await engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def revoke(http: httpx.Client, booking_id: str, member: dict[str, str]) -> None:
    """Staff revoke the booking's pass (the revocation feed the gates sync)."""
    pass_id = http.get(f"/api/bookings/{booking_id}/pass", headers=member).json()["pass_id"]
    revoked = http.post(f"/api/access/passes/{pass_id}/revoke", headers=login(http, "staff"), json={})
    assert revoked.status_code == 200, revoked.text


def enrol(http: httpx.Client, server: str, state: Path) -> str:
    device = http.post(
        "/api/access/devices", json={"centre": "ifrane", "name": "Entrée"}, headers=login(http, "staff")
    ).json()
    code, [enrolled] = agent(state, "enroll", "--server", server, "--token", device["token"], now=None)
    assert code == 0
    assert (enrolled["enrolled"], enrolled["centre"], enrolled["keys"]) == (device["device_id"], "ifrane", 1)
    return str(device["device_id"])


def test_enrol_scan_passback_cancel_and_an_offline_batch_reach_the_server_once(
    app: Litestar, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    state, port = tmp_path / "gate", free_port()
    with live_server(app, port) as server, httpx.Client(base_url=server, timeout=30) as http:
        enrol(http, server, state)
        booking_id, payload, member = paid_pass(http, "M0001")
        _booking, other, _member = paid_pass(http, "M0002")
        clock.now = datetime.fromisoformat(DURING_STAY)  # the server refuses scans dated ahead of it
        decisions = []
        for direction in ("in", "in", "out", "in"):
            code, [line] = agent(state, "scan", "--direction", direction, payload)
            decisions.append((code, line["decision"], line["reason"]))
        assert decisions == [
            (0, "granted", "ok"),
            (1, "denied", "already_inside"),
            (0, "granted", "ok"),
            (0, "granted", "ok"),
        ]
        # A stay begun can no longer be cancelled (its arrival has passed): staff revoke its pass.
        revoke(http, booking_id, member)
        code, [synced] = agent(state, "sync", now=None)
        assert (code, synced["synced"], synced["new_revocations"], synced["uploaded"]) == (0, True, 1, 4)
        code, [line] = agent(state, "scan", payload)
        assert (code, line["reason"]) == (1, "revoked")
        assert len(asyncio.run(stored_events(settings))) == 4

    # The server is down: the gate goes on deciding, and sync says so without failing.
    offline = [agent(state, "scan", "--direction", d, other)[1][0] for d in ("in", "out", "in", "in")]
    assert [line["reason"] for line in offline] == ["ok", "ok", "ok", "already_inside"]
    code, [synced] = agent(state, "sync", now=None)
    assert (code, synced["synced"], synced["pending_upload"]) == (0, False, 5)

    # It comes back (a new process, as after a restart).
    with live_server(create_app(settings, clock=clock), port):
        code, [synced] = agent(state, "sync", now=None)
        assert (code, synced["synced"], synced["uploaded"], synced["pending_upload"]) == (0, True, 5, 0)
        journal = sqlite3.connect(state / "gate.sqlite3")
        decided = {uuid.UUID(e) for (e,) in journal.execute("SELECT event_id FROM journal")}
        assert {event_id for event_id, _d, _r in asyncio.run(stored_events(settings))} == decided
        assert len(decided) == 9
        # An answer lost on the way back: the gate sends everything again; nothing is stored twice.
        with journal:
            journal.execute("UPDATE journal SET uploaded = 0")
        journal.close()
        code, [again] = agent(state, "sync", now=None)
        assert (again["uploaded"], again["duplicates"]) == (0, 9)
        assert len(asyncio.run(stored_events(settings))) == 9


def test_an_agent_killed_mid_stream_loses_no_scan_it_decided(app: Litestar, tmp_path: Path) -> None:
    state = tmp_path / "gate"
    with live_server(app) as server, httpx.Client(base_url=server, timeout=30) as http:
        enrol(http, server, state)
        payloads = [paid_pass(http, username)[1] for username in ("M0001", "M0002", "M0003")]
    running = scanning(state, sync_interval="0")
    stream = 5000

    def scanner() -> None:
        """A scanner that keeps typing: the agent is always in the middle of the stream."""
        try:
            for index in range(stream):
                running.stdin.write(payloads[index % 3] + "\n")  # type: ignore[union-attr]
            running.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError):
            pass  # the agent was killed

    typing = threading.Thread(target=scanner, daemon=True)
    typing.start()
    printed: list[str] = []
    try:
        while len(printed) < 150:
            printed.append(json.loads(running.stdout.readline())["event_id"])
        os.kill(running.pid, signal.SIGKILL)
        running.wait(timeout=10)
        printed.extend(json.loads(line)["event_id"] for line in running.stdout.read().splitlines() if line)
    finally:
        if running.poll() is None:
            running.kill()
        typing.join(timeout=10)
    assert running.returncode == -signal.SIGKILL
    journal = sqlite3.connect(state / "gate.sqlite3")
    journaled = [e for (e,) in journal.execute("SELECT event_id FROM journal ORDER BY seq")]
    journal.close()
    # Every decision that came out is in the journal, in order; at most the one in flight is not printed.
    assert journaled[: len(printed)] == printed
    assert len(journaled) - len(printed) <= 1
    assert len(journaled) < stream  # the kill did land in the middle of the stream
    code, [status] = agent(state, "status", now=None)
    assert (code, status["journal"]) == (0, len(journaled))


def test_run_syncs_in_the_background_while_it_decides(
    app: Litestar, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    state = tmp_path / "gate"
    with live_server(app) as server, httpx.Client(base_url=server, timeout=30) as http:
        enrol(http, server, state)
        booking_id, payload, member = paid_pass(http, "M0001")
        clock.now = datetime.fromisoformat(DURING_STAY)
        running = scanning(state, sync_interval="0.5")
        try:
            running.stdin.write(payload + "\n")
            running.stdin.flush()
            assert json.loads(running.stdout.readline())["decision"] == "granted"
            # Nobody ran `sync`: the agent's timer uploads the scan and brings the revocation back.
            revoke(http, booking_id, member)
            deadline = time.monotonic() + 20
            while len(asyncio.run(stored_events(settings))) < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(asyncio.run(stored_events(settings))) == 1
            revoked = sqlite3.connect(state / "gate.sqlite3")
            while revoked.execute("SELECT count(*) FROM revocations").fetchone()[0] < 1:
                assert time.monotonic() < deadline, "the revocation never reached the gate"
                time.sleep(0.2)
            revoked.close()
            running.stdin.write(payload + "\n")
            running.stdin.flush()
            assert json.loads(running.stdout.readline())["reason"] == "revoked"
        finally:
            running.stdin.close()
            running.wait(timeout=20)
        assert running.returncode == 0


def test_a_scan_the_server_refuses_is_set_aside_and_a_revoked_gate_loses_nothing(
    app: Litestar, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    state = tmp_path / "gate"
    with live_server(app) as server, httpx.Client(base_url=server, timeout=30) as http:
        device_id = enrol(http, server, state)
        _booking, payload, _member = paid_pass(http, "M0001")
        clock.now = datetime.fromisoformat(DURING_STAY)
        assert agent(state, "scan", payload)[0] == 0
        # A journal row damaged on disk, between two good scans: a reason no server takes (a 400).
        journal = sqlite3.connect(state / "gate.sqlite3")
        with journal:
            journal.execute(
                "INSERT INTO journal (event_id, pass_id, direction, decision, reason, scanned_at)"
                " VALUES (?, NULL, 'in', 'denied', 'NOT A CODE', 1798000000)",
                (str(uuid.uuid4()),),
            )
        journal.close()
        assert agent(state, "scan", "--direction", "out", payload)[0] == 0

        code, [synced] = agent(state, "sync", now=None)
        assert code == 0
        assert (synced["synced"], synced["uploaded"], synced["new_rejections"]) == (True, 2, 1)
        assert (synced["pending_upload"], synced["rejected"]) == (0, 1)
        assert sorted(d for _e, d, _r in asyncio.run(stored_events(settings))) == ["in", "out"]
        code, [again] = agent(state, "sync", now=None)
        assert (again["uploaded"], again["duplicates"], again["rejected"]) == (0, 0, 1)  # not sent again

        # Staff revoke the gate: what it decides from then on stays on it until it is enrolled again.
        staff = login(http, "staff")
        assert http.post(f"/api/access/devices/{device_id}/revoke", headers=staff).status_code == 200
        assert agent(state, "scan", payload)[0] == 0
        code, [refused] = agent(state, "sync", now=None)
        assert (code, refused["synced"], refused["pending_upload"]) == (0, False, 1)
        assert "refused this device" in refused["error"]
        enrol(http, server, state)
        code, [status] = agent(state, "status", now=None)
        assert (status["pending_upload"], status["rejected"], status["journal"]) == (0, 1, 4)
        assert len(asyncio.run(stored_events(settings))) == 3


def test_two_gates_that_cannot_see_each_other_agree_through_the_servers_scan_feed(
    app: Litestar, clock: Clock, tmp_path: Path
) -> None:
    north, south = tmp_path / "north", tmp_path / "south"
    with live_server(app) as server, httpx.Client(base_url=server, timeout=30) as http:
        enrol(http, server, north)
        enrol(http, server, south)
        _booking, payload, _member = paid_pass(http, "M0001")
        clock.now = datetime.fromisoformat(DURING_STAY)
        assert agent(north, "scan", payload)[1][0]["reason"] == "ok"
        assert agent(north, "sync", now=DURING_STAY)[1][0]["uploaded"] == 1
        code, [synced] = agent(south, "sync", now=DURING_STAY)
        assert (code, synced["merged"], synced["roster"]) == (0, 1, 1)
        code, [refused] = agent(south, "scan", payload)
        assert (code, refused["reason"], refused["inside"], refused["party_size"]) == (
            1,
            "already_inside",
            1,
            1,
        )
        assert refused["holder"]  # the roster the sync brought names the member
        assert agent(south, "scan", "--direction", "out", payload)[1][0]["reason"] == "ok"
        agent(south, "sync", now=DURING_STAY)
        agent(north, "sync", now=DURING_STAY)
        assert agent(north, "scan", payload)[1][0]["reason"] == "ok"  # out at the south gate: in again
