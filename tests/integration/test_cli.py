"""The operators' commands on a fresh embedded database: migrate, seed-demo twice, and nothing doubles."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

COUNTED = (
    "centres",
    "unit_types",
    "units",
    "seasons",
    "rotations",
    "tariffs",
    "quotas",
    "users",
    "members",
    "campaigns",
)


def _estivage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["ESTIVAGE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "estivage.cli", *args], env=env, capture_output=True, text=True, check=True
    )


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}


def test_migrate_then_seed_demo_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    _estivage(tmp_path, "migrate")
    first = _estivage(tmp_path, "seed-demo")
    assert "M0001-M0500" in first.stdout
    database = tmp_path / "estivage.sqlite3"
    after_first = _counts(database)
    _estivage(tmp_path, "seed-demo")
    assert _counts(database) == after_first
    assert after_first["centres"] == 4
    assert after_first["members"] == 500
    assert after_first["users"] == 500 + 4 + 1
    assert after_first["campaigns"] == 1  # the coming summer's, open for applications
    with sqlite3.connect(database) as connection:
        managers = connection.execute(
            "SELECT username FROM users WHERE role = 'manager' ORDER BY username"
        ).fetchall()
    assert [m[0] for m in managers] == [
        "manager-ifrane",
        "manager-mdiq",
        "manager-saidia",
        "manager-sidi-bouzid",
    ]


def test_the_cli_loads_no_app_orm_or_domain_until_a_command_runs() -> None:
    """`estivage --help` (and the start of every command) took 3.2 s when the CLI imported the draw and
    the roster import's work at load; a command imports its work when it runs."""
    heavy = "{'sqlalchemy', 'litestar', 'booking', 'inventory', 'payments', 'access'}"
    probe = f"import sys, estivage.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_help_lists_the_operators_commands(tmp_path: Path) -> None:
    help_text = _estivage(tmp_path, "--help").stdout
    for command in ("serve", "migrate", "seed-demo", "demo", "worker"):
        assert command in help_text
