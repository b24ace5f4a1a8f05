"""Shared by the benchmarks: a real server on loopback over a fresh seeded database, and a load loop.

The server runs as a separate process (uvicorn, as in production) so that the figures include HTTP,
JSON and the database, and the load generator does not share its event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# The server process of each base URL, so that a phase can read the CPU time it cost the server.
_SERVER_PIDS: dict[str, int] = {}


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (uvicorn's workers), read
    from /proc; 0 where /proc does not exist."""
    total = 0.0
    pending = [pid]
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


def server_pid(base: str) -> int:
    """The process id of the server started here for `base` (its workers are its children)."""
    return _SERVER_PIDS[base]


def cpu_seconds(base: str | None = None) -> tuple[float, float]:
    """(server, this load client) CPU seconds used so far; the server's is 0 when unknown."""
    server = _process_tree_cpu(_SERVER_PIDS[base]) if base in _SERVER_PIDS else 0.0
    return server, time.process_time()


@dataclass(frozen=True)
class Figures:
    name: str
    count: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    @classmethod
    def joined(cls, parts: list[Figures]) -> Figures:
        """Several runs of one phase as one: counts, times and CPU added, latencies pooled."""
        return cls(
            parts[0].name,
            sum(p.count for p in parts),
            sum(p.errors for p in parts),
            sum(p.seconds for p in parts),
            [latency for p in parts for latency in p.latencies_ms],
            sum(p.server_cpu_s for p in parts),
            sum(p.client_cpu_s for p in parts),
        )

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.name:<24} {self.count:>6} req  {self.rate:>8.1f} req/s  "
            f"p50 {self.percentile(50):7.2f} ms  p99 {self.percentile(99):7.2f} ms  errors {self.errors}"
        )

    def cpu_line(self) -> str:
        """CPU per request of the server and of the load client: steadier than rates on a busy machine."""
        per = 1000 / self.count if self.count else 0.0
        return (
            f"{self.name:<24} CPU per request: server {self.server_cpu_s * per:5.2f} ms, "
            f"load client {self.client_cpu_s * per:5.2f} ms"
        )


@contextlib.asynccontextmanager
async def throwaway_postgres(server_url: str) -> AsyncIterator[str]:
    """A new database on the PostgreSQL server of `server_url`, dropped afterwards."""
    admin = server_url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgres://", "postgresql://"
    )
    name = f"estivage_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


@contextlib.asynccontextmanager
async def running_server(workers: int = 1) -> AsyncIterator[str]:
    """Serve a fresh migrated, seeded database: a throwaway one on the PostgreSQL server of DATABASE_URL
    when it is set, a temporary SQLite file (the embedded default) otherwise."""
    server_url = os.environ.get("DATABASE_URL", "")
    if server_url.startswith("postgres"):
        async with throwaway_postgres(server_url) as url, _serve(url, workers) as base:
            os.environ["BENCH_DATABASE_URL"] = url
            yield base
    else:
        async with _serve(None, workers) as base:
            yield base


@contextlib.asynccontextmanager
async def _serve(database_url: str | None, workers: int) -> AsyncIterator[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="estivage-bench-"))
    # The load pays in the test mode, said explicitly as `estivage serve` requires.
    env = {**os.environ, "ESTIVAGE_DATA_DIR": str(data_dir), "ESTIVAGE_PAYMENTS": "test"}
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    estivage = [sys.executable, "-m", "estivage.cli"]
    subprocess.run([*estivage, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*estivage, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    server = subprocess.Popen(
        [*estivage, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _SERVER_PIDS[base] = server.pid
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            # Up to three minutes: on a busy shared machine the app can take 20 s and more to start,
            # each worker process in turn.
            for _ in range(3600):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/health")).status_code == 200:
                        break
                if server.poll() is not None:
                    raise RuntimeError(f"the server stopped at start (exit {server.returncode})")
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the server did not answer /health within three minutes")
        yield base
    finally:
        _SERVER_PIDS.pop(base, None)
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(data_dir, ignore_errors=True)


async def token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/api/auth/token", json={"username": username, "password": "estivage-demo"})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def load(
    name: str,
    requests: int,
    concurrency: int,
    send: Callable[[int], Awaitable[httpx.Response]],
    base: str | None = None,
) -> Figures:
    """Send `requests` requests from `concurrency` workers; a non-2xx answer counts as an error. With
    the `base` of a server started here, the figures carry the CPU time the phase cost the server."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))

    async def worker() -> None:
        nonlocal errors
        for i in counter:
            started = time.perf_counter()
            try:
                response = await send(i)
                ok = response.is_success
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok

    server_before, client_before = cpu_seconds(base)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    server_after, client_after = cpu_seconds(base)
    return Figures(
        name,
        requests,
        errors,
        seconds,
        latencies,
        server_after - server_before,
        client_after - client_before,
    )


def summary(target: Figures, bare: Figures) -> str:
    return (
        f"ratio to the bare endpoint: rate {target.rate / bare.rate:.2f}, "
        f"p50 {target.percentile(50) / bare.percentile(50):.2f}x"
    )
