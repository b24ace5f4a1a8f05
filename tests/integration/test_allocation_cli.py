"""`estivage allocation run|verify`: anyone re-runs the published draw and finds the same results."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from booking.domain.allocation.allocate import Application, Campaign, Slot
from booking.domain.allocation.publication import inputs_to_json, prepare_draw

SEED = bytes(range(32))


def _estivage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "estivage.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )


def test_the_published_draw_verifies_and_a_changed_result_is_named(tmp_path: Path) -> None:
    slot = Slot("ifrane", "r1", "apt2")
    other = Slot("saidia", "r2", "studio")
    applications = [
        Application(f"A{i:03d}", "retired" if i % 4 == 0 else "active", 10 + i % 3, (slot, other))
        for i in range(12)
    ]
    campaign = Campaign(units={slot: 3, other: 2}, reserved={slot: {"retired": 1}})
    inputs = prepare_draw("summer-2027", campaign, applications, SEED).revealed(SEED)
    inputs_file = tmp_path / "inputs.json"
    inputs_file.write_text(inputs_to_json(inputs), encoding="utf-8")

    run = _estivage("allocation", "run", str(inputs_file))
    assert run.returncode == 0, run.stderr
    results = tmp_path / "results.csv"
    results.write_text(run.stdout, encoding="utf-8")
    assert run.stdout.count(",offer,") == 5

    verified = _estivage("allocation", "verify", str(inputs_file), str(results))
    assert (verified.returncode, verified.stdout.split(":")[0]) == (0, "identical")

    lines = run.stdout.splitlines()
    forged_line = next(i for i, line in enumerate(lines) if ",waiting," in line)
    lines[forged_line] = lines[forged_line].replace(",waiting,", ",offer,", 1)
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    forged = _estivage("allocation", "verify", str(inputs_file), str(results))
    assert forged.returncode == 1
    assert forged.stdout.startswith("first difference:")
