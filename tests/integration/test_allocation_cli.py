"""`estivage allocation run|verify`: anyone re-runs the published draw and finds the same results."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from booking.domain.allocation.allocate import Application, Campaign, Slot
from booking.domain.allocation.publication import (
    inputs_to_json,
    prepare_draw,
    published_rows,
    rows_to_csv,
    run_draw,
)

SEED = bytes(range(32))
CLOSE_SEED = bytes(range(32, 64))


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
    inputs = prepare_draw("summer-2027", campaign, applications, SEED, CLOSE_SEED).revealed(SEED, CLOSE_SEED)
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


def _published(tmp_path: Path, *, revealed: bool = True) -> tuple[Path, str]:
    """Published inputs (seed revealed or not) and the results the draw gives, as CSV text."""
    slot = Slot("saidia", "r1", "studio")
    applications = [Application(f"A{i:02d}", "active", i % 2, (slot,)) for i in range(6)]
    inputs = prepare_draw("summer-2027", Campaign(units={slot: 2}), applications, SEED, CLOSE_SEED)
    inputs_file = tmp_path / "inputs.json"
    revealed_inputs = inputs.revealed(SEED, CLOSE_SEED)
    inputs_file.write_text(inputs_to_json(revealed_inputs), encoding="utf-8")
    # What `estivage allocation run` prints (the first test runs the command itself): computed here, a
    # process fewer for each test.
    results = rows_to_csv(published_rows(revealed_inputs, run_draw(revealed_inputs)))
    if not revealed:
        inputs_file.write_text(inputs_to_json(inputs), encoding="utf-8")
    return inputs_file, results


def _one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_csv_saved_again_by_a_spreadsheet_verifies(tmp_path: Path) -> None:
    inputs_file, results = _published(tmp_path)
    excel = tmp_path / "excel.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + results.replace("\n", "\r\n").encode())  # BOM and CRLF
    verified = _estivage("allocation", "verify", str(inputs_file), str(excel))
    assert (verified.returncode, verified.stdout.split(":")[0]) == (0, "identical"), verified.stderr


def test_inputs_without_the_seed_say_it_is_not_revealed_yet(tmp_path: Path) -> None:
    inputs_file, results = _published(tmp_path, revealed=False)
    results_file = tmp_path / "results.csv"
    results_file.write_text(results, encoding="utf-8")
    _one_clear_line(_estivage("allocation", "run", str(inputs_file)), "not revealed")
    _one_clear_line(
        _estivage("allocation", "verify", str(inputs_file), str(results_file)), "inputs.json", "not revealed"
    )


def test_files_that_cannot_be_used_are_one_line_and_exit_2(tmp_path: Path) -> None:
    inputs_file, results = _published(tmp_path)
    header = tmp_path / "header.csv"
    header.write_text(results.replace("lottery_rank", "rank", 1), encoding="utf-8")
    _one_clear_line(_estivage("allocation", "verify", str(inputs_file), str(header)), "header.csv", "columns")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "estivage-allocation-inputs/1", "slots": [', encoding="utf-8")
    _one_clear_line(_estivage("allocation", "run", str(broken)), "broken.json", "not JSON")
    not_results = tmp_path / "results.json"
    not_results.write_text("[1, 2]", encoding="utf-8")
    _one_clear_line(
        _estivage("allocation", "verify", str(inputs_file), str(not_results)), "estivage-allocation-results/1"
    )
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(results.encode() + "Saïdia\n".encode("latin-1"))
    _one_clear_line(_estivage("allocation", "verify", str(inputs_file), str(latin1)), "latin1.csv", "UTF-8")
    # A difference is still exit 1, and identical files exit 0.
    same = tmp_path / "same.csv"
    same.write_text(results, encoding="utf-8")
    assert _estivage("allocation", "verify", str(inputs_file), str(same)).returncode == 0
    same.write_text(results.replace(",offer,", ",waiting,", 1), encoding="utf-8")
    assert _estivage("allocation", "verify", str(inputs_file), str(same)).returncode == 1


def test_inputs_published_in_format_1_still_verify(tmp_path: Path) -> None:
    slot = Slot("saidia", "r1", "studio")
    applications = [Application(f"A{i:02d}", "active", i % 2, (slot,)) for i in range(6)]
    two_seeds = prepare_draw("summer-2026", Campaign(units={slot: 2}), applications, SEED, CLOSE_SEED)
    inputs = dataclasses.replace(two_seeds, close_seed_commitment=None).revealed(SEED, None)
    inputs_file = tmp_path / "inputs.json"
    inputs_file.write_text(inputs_to_json(inputs), encoding="utf-8")
    assert '"format": "estivage-allocation-inputs/1"' in inputs_file.read_text(encoding="utf-8")
    results = tmp_path / "results.csv"
    results.write_text(rows_to_csv(published_rows(inputs, run_draw(inputs))), encoding="utf-8")

    verified = _estivage("allocation", "verify", str(inputs_file), str(results))
    assert (verified.returncode, verified.stdout.split(":")[0]) == (0, "identical"), verified.stderr
    # `run` re-runs it on its one seed, as it was drawn.
    assert _estivage("allocation", "run", str(inputs_file)).stdout == results.read_text(encoding="utf-8")


def test_a_close_seed_that_is_not_the_one_committed_to_is_a_difference(tmp_path: Path) -> None:
    inputs_file, results = _published(tmp_path)
    document = json.loads(inputs_file.read_text(encoding="utf-8"))
    document["close_seed"] = bytes(32).hex()
    inputs_file.write_text(json.dumps(document), encoding="utf-8")
    results_file = tmp_path / "results.csv"
    results_file.write_text(results, encoding="utf-8")
    changed = _estivage("allocation", "verify", str(inputs_file), str(results_file))
    assert changed.returncode == 1
    assert changed.stdout.startswith("first difference: inputs, close_seed_commitment: published ")
