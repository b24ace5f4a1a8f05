"""SIGTERM (what `docker stop` and Kubernetes send): `estivage serve` finishes the requests in flight and
exits 0; `estivage worker` stops between statements, disposes of its engine and exits 0."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from tests.conftest import PASSWORD
from tests.support.databases import SqliteDatabases
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(sqlite_databases: SqliteDatabases, tmp_path: Path) -> dict[str, str]:
    url = sqlite_databases.fresh()
    # The test databases hash passwords at argon2's lowest cost (tests/conftest.py); M0001's here is at
    # production's, so that each login takes a while and several are in flight at the signal.
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"))) as database:
        database.execute(
            "UPDATE users SET password_hash = ? WHERE username = 'M0001'", (PasswordHasher().hash(PASSWORD),)
        )
        database.commit()
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ESTIVAGE_DATA_DIR": str(tmp_path),
        "ESTIVAGE_JWT_SECRET": "shutdown-test-" + "s" * 32,
        "ESTIVAGE_LOG_FORMAT": "json",
        "ESTIVAGE_PAYMENTS": "test",  # said, as `estivage serve` requires for the test mode
    }


def _start(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """In a process group of its own, so that `_kill` also ends the workers uvicorn spawned."""
    return subprocess.Popen(
        [sys.executable, "-m", "estivage.cli", *arguments],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _kill(process: subprocess.Popen[str]) -> None:
    """After a failed test: killing the parent alone would leave its workers running, on their port."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_finishes_requests_in_flight_on_sigterm(environment: dict[str, str], workers: int) -> None:
    port = free_port()
    arguments = ["serve", "--port", str(port), "--workers", str(workers), "--graceful-timeout", "20"]
    server = _start(arguments, environment)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # two worker processes importing the app on a busy machine
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        # Connections already open (as a proxy's keep-alive pool would be), each then sends a login:
        # password hashing makes every request take a while, so several are in flight at the signal.
        clients = [httpx.Client(base_url=base, timeout=30) for _ in range(6)]
        for client in clients:
            assert client.get("/health").status_code == 200
        answers: list[int] = []

        def log_in(client: httpx.Client) -> None:
            response = client.post("/api/auth/token", json={"username": "M0001", "password": PASSWORD})
            answers.append(response.status_code)

        threads = [threading.Thread(target=log_in, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        time.sleep(0.2)
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=30)
        assert answers == [200] * 6  # every request in flight was answered, none cut off
        # uvicorn re-raises the signal once it has shut down: the status says "ended by SIGTERM" (143).
        assert server.wait(timeout=25) in {0, -signal.SIGTERM}
        assert time.monotonic() - stopping < 20
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/health")
        logs = [json.loads(line) for line in (server.stderr.read() if server.stderr else "").splitlines()]
        assert any(line["event"] == "Shutting down" for line in logs)
        # One access line per request, the app's (with its request id); uvicorn's would repeat it.
        logins = [line for line in logs if line.get("path") == "/api/auth/token"]
        assert len(logins) == 6
        assert all(line["event"] == "request" and line["request_id"] for line in logins)
        assert not [line for line in logs if line.get("logger") == "uvicorn.access"]
        for client in clients:
            client.close()
    finally:
        _kill(server)


def test_the_worker_serves_its_metrics_and_stops_cleanly_on_sigterm(environment: dict[str, str]) -> None:
    metrics_port = free_port()
    worker = _start(
        ["worker", "--interval", "0.2"],
        {
            **environment,
            "ESTIVAGE_WORKER_METRICS_PORT": str(metrics_port),
            "ESTIVAGE_METRICS_TOKEN": "scraper-token",
        },
    )
    lines: list[dict[str, str]] = []
    running = threading.Event()

    def read() -> None:
        for line in worker.stderr or ():
            lines.append(json.loads(line))
            if lines[-1]["event"].startswith("running"):
                running.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert running.wait(timeout=30), lines
        time.sleep(1.0)  # several rounds of housekeeping
        address = f"http://127.0.0.1:{metrics_port}/metrics"
        assert httpx.get(address).status_code == 401  # the same token as the API's /metrics
        assert httpx.get(address, headers={"Authorization": "Bearer wrong"}).status_code == 401
        metrics = httpx.get(address, headers={"Authorization": "Bearer scraper-token"})
        assert metrics.status_code == 200
        assert "estivage_bookings_total" in metrics.text
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
        reader.join(timeout=5)
        assert any(line["event"] == "stopped on signal" for line in lines), lines
        errors = [line for line in lines if line["level"] == "error"]
        assert not errors, errors
    finally:
        _kill(worker)
