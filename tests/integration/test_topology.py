"""The production topology started from installed binaries (issue 21, item 2): Debian's nginx with the
project's own deploy/nginx.conf rendered for loopback, two `estivage serve` replicas, `estivage worker`,
PostgreSQL and Redis. The whole member path goes through nginx; then faults (docs/operations.md,
"The topology under faults")."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from argon2 import PasswordHasher

from access.keys import ensure
from tests.conftest import NOW, PASSWORD
from tests.support.databases import PostgresDatabases
from tests.support.localstripe import localstripe_server
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (apt-get install nginx)"),
]


def render_nginx(prefix: Path, listen: int, replicas: list[int]) -> Path:
    """deploy/nginx.conf for loopback: the replicas' addresses instead of Docker's DNS (`resolve` needs
    nginx 1.27.3+, Debian 12 has 1.22), a loopback port, logs and temporary files under `prefix`."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"^resolver .*;$", "", site, flags=re.MULTILINE)
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replicas)
    site, replaced = re.subn(r"^    server api:8000 resolve;$", servers, site, flags=re.MULTILINE)
    assert replaced == 1, "deploy/nginx.conf's upstream changed: update the rendering here"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("/var/log/nginx/access.log", str(prefix / "access.log"))
    (prefix / "site.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = (
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 512; }}\n"
        f"http {{\n{temp}\n    include {prefix / 'site.conf'};\n}}\n"
    )
    (prefix / "nginx.conf").write_text(main)
    return prefix / "nginx.conf"


def _start(arguments: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            arguments, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


def _wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=5).status_code == 200:
                return
        assert time.monotonic() < deadline, f"{url} did not answer"
        time.sleep(0.1)


@dataclass
class Topology:
    root: Path
    env: dict[str, str]
    redis: subprocess.Popen[bytes] | None = None
    base: str = ""
    replicas: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def replica(self, port: int) -> subprocess.Popen[bytes]:
        arguments = [sys.executable, "-m", "estivage.cli", "serve", "--port", str(port)]
        process = _start([*arguments, "--graceful-timeout", "20"], self.env, self.root / f"api-{port}.log")
        self.replicas[port] = process
        return process

    def stop(self) -> None:
        for process in [*self.replicas.values(), *self.others, *([self.redis] if self.redis else [])]:
            _kill(process)


@pytest.fixture
async def topology(postgres_databases: PostgresDatabases, tmp_path: Path) -> AsyncIterator[Topology]:
    async with _topology(postgres_databases, tmp_path) as started:
        yield started


@contextlib.asynccontextmanager
async def _topology(
    postgres_databases: PostgresDatabases, tmp_path: Path, settings: dict[str, str] | None = None
) -> AsyncIterator[Topology]:
    """``settings``: environment variables over the defaults below (the same for every process)."""
    url = await postgres_databases.fresh_async()
    # A Redis of its own, so that a test may stop it without touching the machine's.
    redis_port = free_port()
    redis = _start(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        dict(os.environ),
        tmp_path / "redis.log",
    )
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "ESTIVAGE_STORE_NAMESPACE": f"topology-{uuid.uuid4().hex[:8]}",
        "ESTIVAGE_DATA_DIR": str(tmp_path),
        "ESTIVAGE_PASS_KEYS_FILE": str(tmp_path / "pass-keys.json"),
        "ESTIVAGE_JWT_SECRET": "topology-" + "t" * 32,
        "ESTIVAGE_LOG_FORMAT": "json",
        "ESTIVAGE_PAYMENTS": "test",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "ESTIVAGE_LOGIN_ATTEMPTS_PER_MINUTE": "1000",  # thirty members log in from one address
        **(settings or {}),
    }
    cli = [sys.executable, "-m", "estivage.cli"]
    # What `estivage keys ensure` does (tests/integration/test_pass_keys.py runs the command), in process:
    # one Python start-up less per topology.
    ensure(Path(env["ESTIVAGE_PASS_KEYS_FILE"]), datetime.now(UTC))
    topology = Topology(tmp_path, env, redis=redis)
    ports = [free_port(), free_port()]
    try:
        for port in ports:
            topology.replica(port)
        topology.others.append(_start([*cli, "worker", "--interval", "1"], env, tmp_path / "worker.log"))
        listen = free_port()
        config = render_nginx(tmp_path, listen, ports)
        topology.others.append(
            _start([NGINX, "-p", str(tmp_path), "-c", str(config)], env, tmp_path / "nginx.out")
        )
        for port in ports:
            _wait_for(f"http://127.0.0.1:{port}/ready")
        topology.base = f"http://127.0.0.1:{listen}"
        _wait_for(f"{topology.base}/health", 20)
        yield topology
    finally:
        topology.stop()
        await postgres_databases.drop(url)


def _stay() -> dict[str, Any]:
    """Dates from today: these servers run on the real clock, not the suite's fixed one."""
    arrival = datetime.now(UTC).date() + timedelta(days=15)
    return {
        "centre": "ifrane",
        "unit_type": "studio",
        "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=4)).isoformat(),
        "guests": 1,
    }


def _enrolled_gate(base: str, token: str, state: Path) -> list[str]:
    """A gate agent enrolled on ``base`` with a device token: its command line, to run its commands."""
    agent = [sys.executable, "-m", "gateway_agent", "--state", str(state)]
    enrolled = subprocess.run(
        [*agent, "enroll", "--server", base, "--token", token],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stderr
    return agent


def _scan_during_the_stay(agent: list[str], payload: str) -> str:
    """The gate's decision on a pass scanned the day after the stay's arrival."""
    during = datetime.fromisoformat(_stay()["arrival"] + "T10:00:00+01:00") + timedelta(days=1)
    scanned = subprocess.run(
        [*agent, "--now", during.isoformat(), "scan", payload],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert scanned.returncode == 0, (scanned.stdout, scanned.stderr)
    return str(json.loads(scanned.stdout)["decision"])


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    answer = http.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _hold_and_pay(http: httpx.Client, member: dict[str, str]) -> str:
    booking = http.post("/api/bookings", json=_stay(), headers=member)
    assert booking.status_code == 201, booking.text
    booking_id = str(booking.json()["id"])
    checkout = http.post(f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member)
    assert checkout.status_code == 200, checkout.text
    redirect = checkout.json()["redirect_url"].split("?")[0]
    assert http.post(redirect + "/confirm", headers=member).status_code in (200, 303)
    return booking_id


def test_the_whole_path_through_nginx_two_replicas_and_the_worker(topology: Topology, tmp_path: Path) -> None:
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        assert http.get("/metrics").status_code == 404  # nginx keeps the counters inside
        member = _login(http, "M0001")
        booking_id = _hold_and_pay(http, member)
        assert http.get(f"/api/bookings/{booking_id}", headers=member).json()["status"] == "confirmed"
        issued = http.get(f"/api/bookings/{booking_id}/pass", headers=member)
        assert issued.status_code == 200, issued.text
        staff = _login(http, "staff")
        device = http.post("/api/access/devices", json={"centre": "ifrane", "name": "Entrée"}, headers=staff)
        assert device.status_code == 201, device.text
        agent = _enrolled_gate(topology.base, device.json()["token"], tmp_path / "gate")
        assert _scan_during_the_stay(agent, issued.json()["payload"]) == "granted"
        synced = subprocess.run([*agent, "sync"], capture_output=True, text=True, timeout=60, check=False)
        assert synced.returncode == 0
        assert json.loads(synced.stdout.splitlines()[-1])["synced"] is True
    # Both replicas answered through the one port.
    upstreams = set(re.findall(r"upstream=(127\S+)", (tmp_path / "access.log").read_text()))
    assert upstreams == {f"127.0.0.1:{port}" for port in topology.replicas}


WEBHOOK_SECRET = "whsec_topology"


@pytest.fixture
async def paid_by_stripe(postgres_databases: PostgresDatabases, tmp_path: Path) -> AsyncIterator[Topology]:
    """The topology with card payments by Stripe (localstripe on loopback), whose webhooks come in
    through nginx like any other request."""
    with localstripe_server() as stripe_base:
        settings = {
            "ESTIVAGE_PAYMENTS": "stripe",
            "STRIPE_API_KEY": "sk_test_topology",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_topology",
            "STRIPE_API_BASE": stripe_base,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        async with _topology(postgres_databases, tmp_path, settings) as topology:
            hook = {"url": f"{topology.base}/api/payments/stripe/webhook", "secret": WEBHOOK_SECRET}
            async with httpx.AsyncClient() as http:
                (await http.post(f"{stripe_base}/_config/webhooks/topology", json=hook)).raise_for_status()
            yield topology


def _pay_as_stripe_js_does(stripe_base: str, client_secret: str) -> str:
    """What Stripe.js does in the member's browser: a card attached to the intent, then confirmed."""
    client = stripe.StripeClient(
        "sk_test_topology", base_addresses={"api": stripe_base}, max_network_retries=0
    )
    intent_id = client_secret.split("_secret_", maxsplit=1)[0]
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return str(client.v1.payment_intents.confirm(intent_id).status)


def test_a_card_payment_through_localstripe_confirms_by_its_webhook_through_nginx_and_the_pass_verifies(
    paid_by_stripe: Topology, tmp_path: Path
) -> None:
    topology = paid_by_stripe
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        member = _login(http, "M0006")
        booking = http.post("/api/bookings", json=_stay(), headers=member)
        assert booking.status_code == 201, booking.text
        booking_id = str(booking.json()["id"])
        checkout = http.post(f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member)
        assert checkout.status_code == 200, checkout.text
        assert checkout.json()["provider"] == "stripe"
        assert http.get(f"/api/bookings/{booking_id}/pass", headers=member).status_code == 409  # not paid
        assert _pay_as_stripe_js_does(topology.env["STRIPE_API_BASE"], checkout.json()["client_secret"]) == (
            "succeeded"
        )
        # Only Stripe's webhook confirms: localstripe sends it a second after the payment.
        deadline = time.monotonic() + 30
        while (status := http.get(f"/api/bookings/{booking_id}", headers=member).json()["status"]) == "held":
            assert time.monotonic() < deadline, "the webhook never confirmed the stay"
            time.sleep(0.2)
        assert status == "confirmed"
        issued = http.get(f"/api/bookings/{booking_id}/pass", headers=member)
        assert issued.status_code == 200, issued.text
        png = http.get(f"/api/bookings/{booking_id}/pass.png", headers=member)
        assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
        # The pass verifies at a gate enrolled through the same nginx, against the keys it serves.
        staff = _login(http, "staff")
        device = http.post("/api/access/devices", json={"centre": "ifrane", "name": "Entrée"}, headers=staff)
        assert device.status_code == 201, device.text
    agent = _enrolled_gate(topology.base, device.json()["token"], tmp_path / "gate")
    assert _scan_during_the_stay(agent, issued.json()["payload"]) == "granted"
    # The webhook came in through nginx, and was answered 200.
    access_log = (tmp_path / "access.log").read_text()
    webhooks = re.findall(r'"POST /api/payments/stripe/webhook HTTP/1.1" (\d+)', access_log)
    assert webhooks, access_log
    assert set(webhooks) == {"200"}, webhooks


def test_a_replica_killed_under_load_nginx_routes_around_it_and_no_hold_is_lost_or_doubled(
    topology: Topology,
) -> None:
    """Members hold with an Idempotency-Key and retry a failed request with the same key, as the mobile
    app does: each member ends with exactly one hold, whatever the replica that died mid-request."""
    victim = next(iter(topology.replicas))
    answers: dict[str, list[int]] = {}
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        members = {f"M{n:04d}": _login(http, f"M{n:04d}") for n in range(10, 40)}
        for number, (username, member) in enumerate(members.items()):
            if number == 10:
                _kill(topology.replicas[victim])
            key = {"Idempotency-Key": f"hold-{username}"}
            statuses = answers.setdefault(username, [])
            for _attempt in range(5):
                answer = http.post("/api/bookings", json=_stay(), headers={**member, **key})
                statuses.append(answer.status_code)
                if answer.status_code < 500:
                    break
        for username, member in members.items():
            held = [b for b in http.get("/api/bookings", headers=member).json() if b["status"] == "held"]
            assert len(held) <= 1, (username, held)
    assert all(statuses[-1] < 500 for statuses in answers.values()), answers
    assert sum(statuses[-1] == 201 for statuses in answers.values()) >= 1


def test_redis_stopped_bookings_and_passes_go_on_through_the_topology(topology: Topology) -> None:
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        member = _login(http, "M0002")
        assert topology.redis is not None
        _kill(topology.redis)
        booking_id = _hold_and_pay(http, member)
        assert http.get(f"/api/bookings/{booking_id}/pass", headers=member).status_code == 200
        assert http.get(f"/api/bookings/{booking_id}/pass.png", headers=member).status_code == 200
        ready = http.get("/ready")
        assert (ready.status_code, ready.json()["store"]) == (200, "degraded")
        assert _login(http, "M0003")  # logins too: their rate limits fail open


def test_sigterm_to_a_replica_lets_its_requests_in_flight_finish(topology: Topology) -> None:
    """Logins sent straight to one replica on connections already open (as nginx's keep-alive pool is),
    at production's password-hashing cost so that they are still running at the signal: every one is
    answered; nginx then sends what comes next to the other replica."""
    database = topology.env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    slow_hash = PasswordHasher().hash(PASSWORD)
    subprocess.run(
        ["psql", database, "-c", f"UPDATE users SET password_hash = '{slow_hash}' WHERE username = 'M0001'"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    port, replica = next(iter(topology.replicas.items()))
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(6)]
    for client in clients:
        assert client.get("/health").status_code == 200
    answers: list[int] = []

    def log_in(client: httpx.Client) -> None:
        answers.append(
            client.post("/api/auth/token", json={"username": "M0001", "password": PASSWORD}).status_code
        )

    threads = [threading.Thread(target=log_in, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    replica.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    assert answers == [200] * 6  # none cut off
    assert replica.wait(timeout=30) in {0, -signal.SIGTERM}
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        member = _login(http, "M0002")
        statuses = [http.post("/api/bookings", json=_stay(), headers=member).status_code for _ in range(4)]
        assert statuses[0] == 201, statuses
        assert all(status < 500 for status in statuses), statuses  # no 502


def test_a_dump_restored_into_a_fresh_database_serves_the_same_bookings_and_passes(
    topology: Topology, tmp_path: Path
) -> None:
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        member = _login(http, "M0004")
        booking_id = _hold_and_pay(http, member)
        booking = http.get(f"/api/bookings/{booking_id}", headers=member).json()
        issued = http.get(f"/api/bookings/{booking_id}/pass", headers=member).json()
    database = topology.env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    dump = tmp_path / "estivage.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", database], check=True, timeout=60)
    restored_name = f"restored_{uuid.uuid4().hex[:12]}"
    restored = database.rsplit("/", 1)[0] + f"/{restored_name}"
    admin = database.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-c", f"CREATE DATABASE {restored_name}"], check=True, capture_output=True)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restored}", str(dump)], check=True, timeout=60
        )
        port = free_port()
        server = _start(
            [sys.executable, "-m", "estivage.cli", "serve", "--port", str(port)],
            {**topology.env, "DATABASE_URL": restored},  # the same pass-keys file, restored beside it
            tmp_path / "restored.log",
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/ready")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                member = _login(http, "M0004")
                assert http.get(f"/api/bookings/{booking_id}", headers=member).json() == booking
                again = http.get(f"/api/bookings/{booking_id}/pass", headers=member).json()
                assert again["payload"] == issued["payload"]
                # A gate enrolled on the restored service grants the pass signed before the backup.
                staff = _login(http, "staff")
                device = http.post(
                    "/api/access/devices", json={"centre": "ifrane", "name": "Entrée"}, headers=staff
                ).json()
                agent = _enrolled_gate(f"http://127.0.0.1:{port}", device["token"], tmp_path / "gate")
                assert _scan_during_the_stay(agent, issued["payload"]) == "granted"
        finally:
            _kill(server)
    finally:
        subprocess.run(
            ["psql", admin, "-c", f"DROP DATABASE IF EXISTS {restored_name} WITH (FORCE)"],
            check=False,
            capture_output=True,
        )


def _pg_ctl(datadir: Path, *arguments: str) -> None:
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)[0]
    # The server's output to a file: a server holding our pipe open would keep `run` waiting.
    command = [str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(datadir / "server.log"), *arguments]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Path, str]]:
    """A throwaway PostgreSQL cluster, so that a test may restart it without touching the machine's."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)[0]
    # Not under pytest's root-only temporary directory: initdb runs as postgres when the tests run as root.
    datadir, port = Path(tempfile.mkdtemp(prefix="estivage-own-pg-")), free_port()
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    initdb = [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust"]
    if os.geteuid() == 0:
        initdb = ["runuser", "-u", "postgres", "--", *initdb]
    subprocess.run(initdb, check=True, capture_output=True, timeout=120)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {datadir} -c fsync=off"
    _pg_ctl(datadir, "-o", options, "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", datadir, options
    finally:
        _pg_ctl(datadir, "-m", "immediate", "stop")
        shutil.rmtree(datadir, ignore_errors=True)


def _through_a_restart(topology: Topology, datadir: Path, options: str) -> None:
    with httpx.Client(base_url=topology.base, timeout=30) as http:
        member = _login(http, "M0005")
        assert http.get("/api/bookings", headers=member).status_code == 200
        _pg_ctl(datadir, "-m", "fast", "-o", options, "-w", "restart")
        deadline = time.monotonic() + 15
        while True:  # the first requests after the restart may fail while the pool drops dead connections
            answer = http.get("/api/bookings", headers=member)
            if answer.status_code == 200:
                break
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.2)
        # Recovered: no 500 left behind, and money paths work without restarting anything.
        statuses = [http.get("/api/bookings", headers=member).status_code for _ in range(10)]
        assert statuses == [200] * 10
        booking_id = _hold_and_pay(http, member)
        assert http.get(f"/api/bookings/{booking_id}", headers=member).json()["status"] == "confirmed"
        assert all(process.poll() is None for process in topology.others)  # the worker carries on


async def test_postgresql_restarted_under_load_the_app_recovers_by_itself(
    own_postgres: tuple[str, Path, str], tmp_path: Path
) -> None:
    admin, datadir, options = own_postgres
    databases = await asyncio.to_thread(PostgresDatabases, admin, NOW)
    async with _topology(databases, tmp_path) as topology:
        await asyncio.to_thread(_through_a_restart, topology, datadir, options)
    databases.drop_template()
