"""The pass-signing keys file shared by several server processes (workers, replicas on one volume)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from access import keys
from inventory.domain.calendar import MAX_DAYS_AHEAD, MAX_STAY_NIGHTS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROCESSES = 8


def _first_key(path: str, start: Any, out: Any) -> None:
    start.wait()
    out.put(keys.signing_key(keys.ensure(Path(path), NOW), NOW).public_base64url)


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


def test_a_rotation_signs_after_its_publication_time_or_at_once_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "pass-keys.json"
    first = keys.signing_key(keys.ensure(path, NOW), NOW)
    assert first.signing_from == NOW  # the first key of all signs at once

    published = keys.rotate(path, NOW)
    assert keys.signing_key(keys.load(path), NOW + keys.PUBLISH_AHEAD - timedelta(seconds=1)).kid == first.kid
    assert keys.signing_key(keys.load(path), NOW + keys.PUBLISH_AHEAD).kid == published.kid

    urgent = keys.rotate(path, NOW + timedelta(hours=1), publish_ahead=timedelta(0))  # a key feared lost
    # The later rotation wins for good: the key it replaced never takes signing back when its own
    # publication time comes.
    for later in (timedelta(hours=1), keys.PUBLISH_AHEAD + timedelta(hours=1), timedelta(days=400)):
        assert keys.signing_key(keys.load(path), NOW + later).kid == urgent.kid
    assert {k.kid for k in keys.published(keys.load(path), NOW)} == {first.kid, published.kid, urgent.kid}


def test_a_rotated_key_verifies_until_the_last_stay_it_may_have_signed_for_is_over(tmp_path: Path) -> None:
    path = tmp_path / "pass-keys.json"
    first = keys.signing_key(keys.ensure(path, NOW), NOW)
    keys.rotate(path, NOW)
    # Its last pass: signed just before the new key takes over, for the farthest and longest stay.
    last_signed = NOW + keys.PUBLISH_AHEAD - timedelta(seconds=1)
    stay_ends = last_signed + timedelta(days=MAX_DAYS_AHEAD + MAX_STAY_NIGHTS + 1)

    assert first.kid in {k.kid for k in keys.published(keys.load(path), stay_ends)}


def test_a_retired_key_is_no_longer_served_and_never_signs_again(tmp_path: Path) -> None:
    path = tmp_path / "pass-keys.json"
    stolen = keys.signing_key(keys.ensure(path, NOW), NOW)
    with pytest.raises(keys.KeyringError, match="only key"):
        keys.retire(path, stolen.kid, NOW)  # the service would have nothing to sign with
    with pytest.raises(keys.KeyringError, match="no key"):
        keys.retire(path, "19990101-1", NOW)
    assert [k.not_after for k in keys.load(path)] == [None]  # refusals change nothing

    replacement = keys.rotate(path, NOW, publish_ahead=timedelta(0))
    keys.retire(path, stolen.kid, NOW + timedelta(minutes=5))

    later = NOW + timedelta(minutes=5)
    assert [k.kid for k in keys.published(keys.load(path), later)] == [replacement.kid]
    assert keys.signing_key(keys.load(path), later).kid == replacement.kid


def test_keys_rotate_says_from_when_the_new_key_signs(tmp_path: Path) -> None:
    env = {**os.environ, "ESTIVAGE_DATA_DIR": str(tmp_path)}
    env.pop("ESTIVAGE_PASS_KEYS_FILE", None)
    command = [sys.executable, "-m", "estivage.cli", "keys"]
    subprocess.run([*command, "ensure"], env=env, check=True, capture_output=True)

    rotated = subprocess.run(
        [*command, "rotate", "--publish-hours", "0"], env=env, check=True, capture_output=True, text=True
    ).stdout

    new = keys.load(tmp_path / "pass-keys.json")[-1]
    assert rotated.startswith(f"new signing key {new.kid} ")
    assert keys.signing_key(keys.load(tmp_path / "pass-keys.json"), datetime.now(UTC)).kid == new.kid
    refused = subprocess.run(
        [*command, "rotate", "--publish-hours", "-1"], env=env, capture_output=True, check=False
    )
    assert refused.returncode == 2
    assert len(keys.load(tmp_path / "pass-keys.json")) == 2


def test_keys_retire_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "ESTIVAGE_DATA_DIR": str(tmp_path)}
    env.pop("ESTIVAGE_PASS_KEYS_FILE", None)
    command = [sys.executable, "-m", "estivage.cli", "keys"]
    subprocess.run([*command, "ensure"], env=env, check=True, capture_output=True)
    first = keys.load(tmp_path / "pass-keys.json")[0].kid

    alone = subprocess.run([*command, "retire", first], env=env, capture_output=True, text=True, check=False)
    assert alone.returncode == 2
    assert "rotate with --publish-hours 0 first" in alone.stderr
    subprocess.run([*command, "rotate", "--publish-hours", "0"], env=env, check=True, capture_output=True)
    retired = subprocess.run([*command, "retire", first], env=env, capture_output=True, text=True, check=True)

    assert f"key {first} retired" in retired.stdout
    assert [k.kid for k in keys.published(keys.load(tmp_path / "pass-keys.json"), datetime.now(UTC))] != [
        first
    ]
    assert first not in {
        k.kid for k in keys.published(keys.load(tmp_path / "pass-keys.json"), datetime.now(UTC))
    }
