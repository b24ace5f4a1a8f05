"""wrk, the C load generator, driven from Python: a Lua script per phase, one run, its figures parsed.

A Python client stops near 1,500 requests a second on this machine, below what the app's `/health` does;
wrk does not (Debian's package, `apt-get install wrk`). Each script counts the answers by status in its
``response()`` and prints one line at the end (``done()``), read back here. wrk's own error counters
give the socket errors (connect, read, write) and the requests that timed out.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Counts answers by status in every thread, and prints them with wrk's own figures once the run is done.
_COMMON = r"""
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(SEED * 1000 + thread_id)
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
"""


def lua_string(text: str) -> str:
    """A Lua string literal for `text` (JSON's escapes are Lua's for what we write: ASCII, quotes)."""
    return json.dumps(text, ensure_ascii=True)


def lua_list(items: list[str]) -> str:
    return "{\n  " + ",\n  ".join(lua_string(i) for i in items) + "\n}"


def script(body: str, seed: int) -> str:
    """A whole wrk script: `body` defines ``request()``; the status counting and the report are shared."""
    return f"SEED = {seed}\n{body}\n{_COMMON}"


GET_PLAIN = "function request() return wrk.format('GET', PATH) end"


@dataclass(frozen=True)
class Run:
    """One wrk run: its figures, and the CPU that the server and wrk spent meanwhile."""

    name: str
    connections: int
    requests: int
    seconds: float
    statuses: dict[int, int]
    socket_errors: int  # connect, read and write errors
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu: float = 0.0  # cores used on average by the server's processes
    wrk_cpu: float = 0.0  # cores used on average by wrk
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_ms_per_request(self) -> float:
        """Server CPU per request: steadier than rates on a busy machine."""
        return self.server_cpu * self.seconds * 1000 / self.requests if self.requests else 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def failures(self) -> int:
        """What a member would see fail: a 5xx, a broken connection, no answer in time."""
        return self.server_errors + self.socket_errors + self.timeouts

    def count(self, *statuses: int) -> int:
        return sum(self.statuses.get(s, 0) for s in statuses)

    def line(self) -> str:
        answers = " ".join(f"{s}:{n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.name:<26} c={self.connections:<4} {self.rate:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  "
            f"p99 {self.p99_ms:7.1f} ms  max {self.max_ms:7.1f} ms  [{answers}]  "
            f"socket errors {self.socket_errors}, timeouts {self.timeouts}  "
            f"CPU: server {self.server_cpu:.2f} cores ({self.server_ms_per_request:.2f} ms a request), "
            f"wrk {self.wrk_cpu:.2f}"
        )


def available() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian), or `make system-deps`")
    return found


def run(
    name: str,
    url: str,
    lua: str,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    timeout_s: float = 10.0,
    cpu: list[int] | None = None,
    server_cpu_seconds: Callable[[], float] = lambda: 0.0,
) -> Run:
    """Run wrk against `url` with the script `lua`; `cpu` pins wrk to those CPUs (taskset)."""
    with tempfile.TemporaryDirectory(prefix="estivage-wrk-") as folder:
        path = Path(folder) / "script.lua"
        path.write_text(lua)
        command = [
            available(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={timeout_s:g}s",
            "-s",
            str(path),
            url,
        ]
        if cpu is not None:
            command = ["taskset", "-c", ",".join(map(str, cpu)), *command]
        server_before = server_cpu_seconds()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_after = server_cpu_seconds()
    found = re.search(r"^WRK-RESULT (.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    figures = json.loads(found.group(1))
    elapsed = figures["duration_us"] / 1e6
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    return Run(
        name=name,
        connections=connections,
        requests=figures["requests"],
        seconds=elapsed,
        statuses={int(k): v for k, v in figures["statuses"].items()},
        socket_errors=figures["connect"] + figures["read"] + figures["write"],
        timeouts=figures["timeout"],
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        server_cpu=(server_after - server_before) / elapsed if elapsed else 0.0,
        wrk_cpu=wrk_cpu / elapsed if elapsed else 0.0,
    )
