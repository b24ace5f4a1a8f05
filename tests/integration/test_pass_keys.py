"""The pass-signing keys file shared by several server processes (workers, replicas on one volume)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from access import keys

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROCESSES = 8


def _first_key(path: str, start: Any, out: Any) -> None:
    start.wait()
    out.put(keys.signing_key(keys.ensure(Path(path), NOW)).public_base64url)


def test_processes_starting_at_once_on_a_fresh_file_agree_on_one_first_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(PROCESSES), context.Queue()
    path = tmp_path / "pass-keys.json"
    workers = [context.Process(target=_first_key, args=(str(path), start, out)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    signed_with = {out.get(timeout=5) for _ in workers}

    # One key for everyone: a pass signed by any worker verifies with the key every worker serves.
    assert len(signed_with) == 1
    assert [k.public_base64url for k in keys.load(path)] == list(signed_with)


def test_keys_ensure_makes_the_first_key_once(tmp_path: Path) -> None:
    env = {**os.environ, "ESTIVAGE_DATA_DIR": str(tmp_path)}
    env.pop("ESTIVAGE_PASS_KEYS_FILE", None)

    def ensure() -> str:
        run = [sys.executable, "-m", "estivage.cli", "keys", "ensure"]
        return subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout

    first, second = ensure(), ensure()

    assert first == second
    assert first.startswith("signing key ")
    assert len(keys.load(tmp_path / "pass-keys.json")) == 1
