"""Three gates of one centre as three real agent processes on loopback, sharing their scans directly.

The server is real but only for the set-up (enrolment, keys, peer keys, the roster); it is stopped
before the gates run, as when the link to head office is down. Then: an entry at A is refused at B and
C; a gate cut off (C) decides alone, and once the link heals all three hold the same journal and the
same counts; a gate of another centre is refused and logged; a gate killed mid-exchange loses nothing.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from estivage.app import create_app
from gateway_agent.decision import GatePolicy, count_inside
from gateway_agent.journal import StateStore
from kernel.settings import Settings
from tests.conftest import NOW, PASSWORD, STAY, Clock
from tests.support.databases import SqliteDatabases
from tests.support.live import live_server
from tests.support.tcp_proxy import TcpProxy

DURING_STAY = "2026-12-21T10:00:00+01:00"
AGENT = [sys.executable, "-m", "gateway_agent"]
PROPAGATION_SECONDS = 2.0  # CONTRACT.md: an entry counts at the other gates within 2 seconds


@dataclass(frozen=True)
class Centre:
    """Enrolled state directories (copied for each test) and passes of party 1, as the server left them."""

    states: dict[str, Path]  # A, B, C at Ifrane; X at Saïdia
    passes: list[str]  # payloads, one booking each


def _run(*argv: str) -> list[dict[str, Any]]:
    done = subprocess.run([*AGENT, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _bearer(http: httpx.Client, username: str) -> dict[str, str]:
    token = http.post("/api/auth/token", json={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _paid_pass(http: httpx.Client, username: str) -> str:
    member = _bearer(http, username)
    booking = http.post("/api/bookings", json={**STAY, "guests": 1}, headers=member).json()
    checkout = http.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    confirm = checkout.json()["redirect_url"].split("?")[0] + "/confirm"
    assert http.post(confirm, headers=member).status_code in (200, 303)
    return str(http.get(f"/api/bookings/{booking['id']}/pass", headers=member).json()["payload"])


@pytest.fixture(scope="module")
def centre(sqlite_databases: SqliteDatabases, tmp_path_factory: pytest.TempPathFactory) -> Centre:
    root = tmp_path_factory.mktemp("centre")
    settings = Settings(
        data_dir=root,
        database_url=sqlite_databases.fresh(),
        redis_url=None,
        jwt_secret="test-secret-" + uuid.uuid4().hex,
        store_namespace=f"estivage-test-{uuid.uuid4().hex[:8]}",
    )
    clock = Clock()
    with (
        live_server(create_app(settings, clock=clock)) as server,
        httpx.Client(base_url=server, timeout=30) as http,
    ):
        passes = [_paid_pass(http, f"M000{n}") for n in range(1, 5)]
        clock.now = datetime.fromisoformat(DURING_STAY)  # the roster holds the stays under way
        staff = _bearer(http, "staff")
        states = {}
        for name, where in (("A", "ifrane"), ("B", "ifrane"), ("C", "ifrane"), ("X", "saidia")):
            device = http.post(
                "/api/access/devices", json={"centre": where, "name": name}, headers=staff
            ).json()
            states[name] = root / name
            [enrolled] = _run(
                "--state",
                str(states[name]),
                "--now",
                DURING_STAY,
                "enroll",
                "--server",
                server,
                "--token",
                device["token"],
            )
            assert enrolled["synced"] is True, enrolled
    assert clock.now > NOW
    return Centre(states, passes)


class Agent:
    """One `gateway-agent run` process, its scanner on stdin, its decisions on stdout. It listens on a
    port it picks itself (`--listen 127.0.0.1:0`: no port to race another test worker for) and reaches
    its peers through the links given."""

    def __init__(self, state: Path, peers: list[str]) -> None:
        self.state, self.peers = state, peers
        self.log = state / "agent.log"
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        with closing(sqlite3.connect(self.state / "gate.sqlite3")) as db, db:
            db.execute("DELETE FROM settings WHERE name = 'peer_listen'")
        links = [arg for url in self.peers for arg in ("--peer", url)]
        self.process = subprocess.Popen(
            [*AGENT, "--state", str(self.state), "--now", DURING_STAY, "run", "--sync-interval", "5",
             "--peer-interval", "0.5", "--listen", "127.0.0.1:0", *links],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("a"),
            text=True,
            bufsize=1,
        )  # fmt: skip
        assert wait_for(lambda: setting(self.state, "peer_listen") is not None), self.log.read_text()
        self.port = int(str(setting(self.state, "peer_listen")).rsplit(":", 1)[1])

    @property
    def stdin(self) -> IO[str]:
        assert self.process is not None
        assert self.process.stdin is not None
        return self.process.stdin

    def scan(self, payload: str) -> dict[str, Any]:
        assert self.process is not None
        assert self.process.stdout is not None
        self.stdin.write(payload + "\n")
        self.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def events(state: Path) -> set[str]:
    with closing(sqlite3.connect(state / "gate.sqlite3")) as db:
        return {e for (e,) in db.execute("SELECT event_id FROM journal")}


def peers_up(state: Path, count: int) -> bool:
    with closing(sqlite3.connect(state / "gate.sqlite3")) as db:
        return (
            int(db.execute("SELECT count(*) FROM peers WHERE last_ok_at IS NOT NULL").fetchone()[0]) >= count
        )


def wait_for(condition: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def count_of(state: Path, party: str) -> int:
    store = StateStore(state)
    try:
        crossings = store.crossings(uuid.UUID(party))
    finally:
        store.close()
    policy = GatePolicy("ifrane", ZoneInfo("Africa/Casablanca"), daily_reset_hour=None)
    return count_inside(crossings, policy, datetime.fromisoformat(DURING_STAY)).inside


@pytest.fixture
def gates(centre: Centre, tmp_path: Path) -> dict[str, Path]:
    """This test's own copy of the enrolled gates."""
    copies = {name: Path(shutil.copytree(state, tmp_path / name)) for name, state in centre.states.items()}
    for state in copies.values():
        (state / "agent.log").unlink(missing_ok=True)
    return copies


def setting(state: Path, name: str) -> str | None:
    with closing(sqlite3.connect(state / "gate.sqlite3")) as db:
        row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])


class Network:
    """Agents joined by one proxy per direction of each link (X reaches Y through ``link(X, Y)``), so
    that a test can cut any of them; a restarted agent's new port is given to the links towards it."""

    def __init__(self, gates: dict[str, Path]) -> None:
        self.gates = gates
        self.agents: dict[str, Agent] = {}
        self.links: dict[tuple[str, str], TcpProxy] = {}

    def link(self, source: str, target: str) -> TcpProxy:
        if (source, target) not in self.links:
            self.links[source, target] = TcpProxy(self.agents[target].port if target in self.agents else None)
        return self.links[source, target]

    def start(self, name: str, peers: str = "") -> Agent:
        agent = Agent(self.gates[name], [self.link(name, peer).url for peer in peers])
        self.agents[name] = agent
        self._point_at(name)
        return agent

    def restart(self, name: str) -> None:
        self.agents[name].start()
        self._point_at(name)

    def _point_at(self, name: str) -> None:
        for (_source, target), proxy in self.links.items():
            if target == name:
                proxy.target_port = self.agents[name].port

    def cut(self, name: str) -> None:
        for (source, target), proxy in self.links.items():
            if name in (source, target):
                proxy.cut()

    def heal(self, name: str) -> None:
        for (source, target), proxy in self.links.items():
            if name in (source, target):
                proxy.heal()

    def close(self) -> None:
        for agent in self.agents.values():
            agent.stop()
        for proxy in self.links.values():
            proxy.close()


@pytest.fixture
def network(gates: dict[str, Path]) -> Iterator[Network]:
    joined = Network(gates)
    yield joined
    joined.close()


def test_an_entry_at_one_gate_is_refused_at_the_two_others_with_the_server_stopped(
    centre: Centre, gates: dict[str, Path], network: Network
) -> None:
    a, b, c = (network.start(name, peers) for name, peers in (("A", "BC"), ("B", "AC"), ("C", "AB")))
    assert wait_for(lambda: all(peers_up(gates[name], 2) for name in "ABC"))
    entered = a.scan(centre.passes[0])
    assert (entered["decision"], entered["inside"]) == ("granted", 1)
    # The contract's own figure, so a deadline here: B and C know of the entry within 2 seconds.
    assert wait_for(lambda: all(entered["event_id"] in events(gates[n]) for n in "BC"), PROPAGATION_SECONDS)
    for gate in (b, c):
        refused = gate.scan(centre.passes[0])
        assert (refused["decision"], refused["reason"], refused["inside"]) == ("denied", "already_inside", 1)


def test_a_gate_cut_off_decides_alone_and_the_three_converge_once_the_link_heals(
    centre: Centre, gates: dict[str, Path], network: Network
) -> None:
    a, b, c = (network.start(name, peers) for name, peers in (("A", "BC"), ("B", "AC"), ("C", "AB")))
    assert wait_for(lambda: all(peers_up(gates[name], 2) for name in "ABC"))
    network.cut("C")
    family, walker = centre.passes[1], centre.passes[2]
    # Cut off, C lets the party of one in a second time (it cannot know), and decides its own.
    assert a.scan(family)["decision"] == "granted"
    assert wait_for(lambda: len(events(gates["B"])) == 1)
    assert c.scan(family)["decision"] == "granted"
    assert [c.scan(walker)["reason"] for _ in range(3)] == ["ok", "already_inside", "already_inside"]
    assert b.scan(walker)["reason"] == "ok"  # B has not heard of C's entry either
    assert len(events(gates["C"])) == 4
    network.heal("C")
    assert wait_for(lambda: events(gates["A"]) == events(gates["B"]) == events(gates["C"]))
    assert len(events(gates["A"])) == 6
    party = a.scan(family)
    assert (party["reason"], party["inside"]) == ("already_inside", 2)  # two went in: both are counted
    for name in "ABC":
        assert count_of(gates[name], party["booking_id"]) == 2


def test_a_gate_of_another_centre_is_refused_and_logged(
    centre: Centre, gates: dict[str, Path], network: Network
) -> None:
    a = network.start("A")
    x = network.start("X", "A")
    assert x.scan(centre.passes[3])["reason"] == "wrong_centre"  # a Saïdia gate; an Ifrane pass
    log = gates["A"] / "agent.log"
    assert wait_for(lambda: "refused a peer message" in log.read_text())
    # Anything else sent to the port is refused too, and said.
    stranger = httpx.post(f"http://127.0.0.1:{a.port}/peer/events", json={"events": []}, timeout=5)
    assert stranger.status_code == 401
    assert wait_for(lambda: log.read_text().count("refused a peer message") >= 2)
    assert events(gates["A"]) == set()
    assert "refuses this gate's key" in (gates["X"] / "agent.log").read_text()


def test_a_gate_killed_mid_exchange_loses_nothing(
    centre: Centre, gates: dict[str, Path], network: Network
) -> None:
    a, b = network.start("A", "B"), network.start("B", "A")
    assert wait_for(lambda: peers_up(gates["A"], 1) and peers_up(gates["B"], 1))
    printed = []
    for index in range(60):  # A keeps deciding; B is killed while A's events stream to it
        printed.append(a.scan(centre.passes[index % 4])["event_id"])
        if index == 20:
            b.kill()
        if index == 30:
            network.restart("B")
        if index == 45:
            a.kill()
            network.restart("A")
    assert wait_for(lambda: events(gates["A"]) == events(gates["B"]))
    assert set(printed) <= events(gates["B"])
    assert len(events(gates["B"])) == 60
