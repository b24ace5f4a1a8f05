"""The gate's decision time while it exchanges with two peers: does sharing scans slow the door down?

uv run python -m bench.gate_peers [--scans 2000] [--peer-rate 40]

This process is one gate (``Gate`` with its peer listener and two links, as ``run --listen --peer``
wires them); two other gates run as real `gateway-agent run` processes on loopback, each deciding a
stream of passes typed on its standard input (``--peer-rate`` a second), all three pushing to each other.
Measured: payload -> decision (journal committed) at this gate, with both durabilities, while its
links push each of its scans at once and its listener merges the peers' events into the same database.
Target (issue 18): < 2 ms median, as without peers (bench.gate).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from access.passformat import public_key_to_base64url
from bench.gate import DURING, measure, passes
from bench.harness import free_port
from gateway_agent.decision import GatePolicy
from gateway_agent.door import LogDoor
from gateway_agent.gate import Gate
from gateway_agent.journal import Durability, StateStore
from gateway_agent.peers import Peers

PEER_KEY = [["1", "bench-peer-key-" + "x" * 28]]
NOW = "2026-12-21T10:00:00+01:00"


def enrolled(
    directory: Path, name: str, key: Ed25519PrivateKey, durability: Durability = "full"
) -> StateStore:
    store = StateStore(directory, durability)
    store.set_settings(
        {
            "server": "http://127.0.0.1:9",
            "token": "-",
            "device_id": f"bench-{name}",
            "centre": "ifrane",
            "time_zone": "Africa/Casablanca",
            "peer_keys": json.dumps(PEER_KEY),
        }
    )
    store.replace_keys([("k1", public_key_to_base64url(key.public_key()), None)])
    return store


def peer_process(state: Path, port: int, others: list[int]) -> subprocess.Popen[str]:
    links = [arg for other in others for arg in ("--peer", f"http://127.0.0.1:{other}")]
    return subprocess.Popen(
        [sys.executable, "-m", "gateway_agent", "--state", str(state), "--now", NOW, "run",
         "--sync-interval", "0", "--listen", f"127.0.0.1:{port}", "--peer-interval", "0.5", *links],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, bufsize=1,
    )  # fmt: skip


def typing(process: subprocess.Popen[str], payloads: list[str], rate: float, stop: threading.Event) -> None:
    """A scanner at a peer: one pass every 1/rate seconds, entries then exits."""
    assert process.stdin is not None
    index = 0
    while not stop.wait(1 / rate):
        process.stdin.write(payloads[index % len(payloads)] + "\n")
        process.stdin.flush()
        index += 1


def decide_many(gate: Gate, key: Ed25519PrivateKey, scans: int) -> list[float]:
    """Milliseconds per decision, a pass every 2 ms (people come one after the other)."""
    payloads = passes(key, 300)
    timings = []
    for index in range(scans):
        started = time.perf_counter()
        gate.scan(payloads[index % len(payloads)], "in" if (index // len(payloads)) % 2 == 0 else "out")
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.002)
    return timings


def alone(durability: Durability, scans: int, key: Ed25519PrivateKey, root: Path) -> None:
    """The same gate without peers, just before: the figure to compare with (the disk's fsync time
    varies with what else the machine does)."""
    store = enrolled(root / "alone", "alone", key, durability)
    gate = Gate(store, GatePolicy("ifrane", ZoneInfo("Africa/Casablanca")), LogDoor(), clock=lambda: DURING)
    measure(f"payload → decision, alone ({durability})", decide_many(gate, key, scans))
    store.close()


def one_run(durability: Durability, scans: int, rate: float, key: Ed25519PrivateKey, root: Path) -> None:
    ports = [free_port() for _ in range(3)]
    for name in ("b", "c"):
        enrolled(root / name, name, key).close()
    store = enrolled(root / "a", "a", key, durability)
    peers = [
        peer_process(root / "b", ports[1], [ports[0], ports[2]]),
        peer_process(root / "c", ports[2], [ports[0], ports[1]]),
    ]
    clock = lambda: DURING  # noqa: E731 - the gate decides during the stay
    network = Peers(
        ("127.0.0.1", ports[0]),
        [f"http://127.0.0.1:{p}" for p in ports[1:]],
        root / "a",
        clock,
        0.5,
    )
    gate = Gate(store, GatePolicy("ifrane", ZoneInfo("Africa/Casablanca")), LogDoor(), clock=clock)
    gate.on_recorded(network.notify)
    network.start()
    stop = threading.Event()
    feeders = [
        threading.Thread(target=typing, args=(p, passes(key, 200), rate, stop), daemon=True) for p in peers
    ]
    try:
        deadline = time.monotonic() + 20
        while not all(link.reachable for link in network.links) and time.monotonic() < deadline:
            time.sleep(0.05)
        for feeder in feeders:
            feeder.start()
        measure(f"payload → decision, 2 peers exchanging ({durability})", decide_many(gate, key, scans))
        time.sleep(1.5)  # the last pushes and pulls
        print(
            f"{'':<44} merged from peers: {store.merged_count()} events;"
            f" peers up: {sum(link.reachable for link in network.links)}/2"
        )
    finally:
        stop.set()
        network.stop()
        for process in peers:
            process.terminate()
            process.wait(timeout=10)
        store.close()


def main(scans: int, rate: float) -> None:
    logging.disable(logging.WARNING)
    key = Ed25519PrivateKey.generate()
    durabilities: tuple[Durability, ...] = ("full", "normal")
    for durability in durabilities:
        with tempfile.TemporaryDirectory() as directory:
            alone(durability, scans, key, Path(directory))
            one_run(durability, scans, rate, key, Path(directory))
    print("target: payload median < 2 ms (as without peers: python -m bench.gate)")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--scans", type=int, default=2000)
    arguments.add_argument("--peer-rate", type=float, default=40.0, help="scans a second at each peer")
    options = arguments.parse_args()
    main(options.scans, options.peer_rate)
