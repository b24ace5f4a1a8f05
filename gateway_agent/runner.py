"""`gateway-agent run`: decide passes as they come, drive the door, sync on a timer, share with peers.

Inputs are threads feeding one queue; the main thread decides one at a time (``Gate``), so the journal
order is the decision order. The sync loop and the peer links have their own database connections and
threads: none of them ever holds a decision up. A line typed on standard input starting with
``desk.LOOKUP_PREFIX`` is a booking code; overrides are not taken here (``gateway-agent override``):
a keyboard-wedge scanner types on the same standard input, and a QR code must not carry an override.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway_agent import desk
from gateway_agent.decision import Direction
from gateway_agent.gate import Clock, Gate
from gateway_agent.inputs import Debounce, camera_frames, debounced, stdin_payloads, watched_folder
from gateway_agent.journal import Durability
from gateway_agent.peers import Peers
from gateway_agent.sync import SyncLoop

logger = logging.getLogger("gateway_agent")

Emit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    state: Path
    durability: Durability
    direction: Direction
    stdin: Any  # a text stream, or None
    watch: Path | None
    camera: int | None
    repeat_seconds: float
    sync_interval: float
    listen: tuple[str, int] | None
    peers: list[str]
    peer_interval: float


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as a socket address; ValueError otherwise."""
    parts = urlsplit(f"//{text}")
    if not parts.hostname or parts.port is None:
        raise ValueError(f"--listen takes HOST:PORT, e.g. 0.0.0.0:8765: {text!r}")
    return parts.hostname, parts.port


def _feed(source: Callable[[], Iterator[str]], name: str, into: queue.Queue[tuple[str, str | None]]) -> None:
    try:
        for payload in source():
            into.put((name, payload))
    except Exception:  # an input failing (camera unplugged) must not stop the others
        logger.exception("input %s stopped", name)
    into.put((name, None))


def _sources(options: RunOptions, stop: threading.Event) -> dict[str, Callable[[], Iterator[str]]]:
    sources: dict[str, Callable[[], Iterator[str]]] = {}
    if options.stdin is not None:
        stream = options.stdin
        sources["stdin"] = lambda: stdin_payloads(stream)
    # Repeats are dropped only where a code stays in view (camera, dropped frames), never on stdin:
    # there each line is someone scanning, and a family scans one pass once per person.
    if options.watch is not None:
        folder = options.watch
        sources["folder"] = lambda: debounced(
            watched_folder(folder, stop=stop), Debounce(options.repeat_seconds)
        )
    if options.camera is not None:
        index = options.camera
        sources["camera"] = lambda: debounced(
            camera_frames(index, stop=stop), Debounce(options.repeat_seconds)
        )
    return sources


def run(gate: Gate, options: RunOptions, clock: Clock, emit: Emit) -> None:
    """Until every input has ended or a signal says stop."""
    stop = threading.Event()
    sources = _sources(options, stop)
    if not sources:
        raise ValueError("nothing to read: keep stdin, or add --watch DIR or --camera N")
    syncer = (
        SyncLoop(options.state, options.durability, options.sync_interval, clock=clock)
        if options.sync_interval > 0
        else None
    )
    peers = (
        Peers(options.listen, options.peers, options.state, clock, options.peer_interval)
        if options.listen is not None or options.peers
        else None
    )
    payloads: queue.Queue[tuple[str, str | None]] = queue.Queue()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()
        payloads.put(("signal", None))

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if peers is not None:
        gate.on_recorded(peers.notify)
        peers.start()
    for name, source in sources.items():
        threading.Thread(target=_feed, args=(source, name, payloads), name=name, daemon=True).start()
    if syncer is not None:
        syncer.start()
    live = set(sources)
    try:
        while live and not stop.is_set():
            name, payload = payloads.get()
            if payload is None:
                live.discard(name)
                continue
            if name == "stdin" and payload.startswith(desk.LOOKUP_PREFIX):
                emit(desk.lookup(gate, payload[len(desk.LOOKUP_PREFIX) :], options.direction))
                continue
            emit(desk.describe(gate, gate.scan(payload, options.direction)))
    finally:
        if syncer is not None:
            syncer.stop()
        if peers is not None:
            peers.stop()
        gate.door.close()
