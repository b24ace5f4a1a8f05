"""`estivage serve` never falls back to the test mode silently (issue 15, item 2): it refuses to start
without a card provider unless ESTIVAGE_PAYMENTS=test is said, refuses a provider listed without its
keys, and the app warns at every start in test mode; `estivage demo` pays in test mode by itself.

One refusal goes through the real command in its own process (exit status and message); the others run
the command in-process with the server start replaced by a recorder, so that a wrong "yes" is a failure
rather than a server that never returns."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from estivage import cli
from estivage.app import create_app
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAYMENT_SETTINGS = (
    "ESTIVAGE_PAYMENTS",
    "STRIPE_API_KEY",
    "STRIPE_API_BASE",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "CMI_CLIENT_ID",
    "CMI_STORE_KEY",
    "CMI_GATEWAY_URL",
)


def _environment(data_dir: Path, **settings: str) -> dict[str, str | None]:
    """Every payment setting unset but those given (None unsets a variable for CliRunner)."""
    return dict.fromkeys(PAYMENT_SETTINGS) | {"ESTIVAGE_DATA_DIR": str(data_dir)} | settings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each server start the command asked for, with the payment settings it would have served with."""
    calls: list[dict[str, Any]] = []

    def record(host: str, port: int, workers: int, graceful_seconds: int = 25) -> None:
        calls.append({"port": port, "payments": Settings.from_env().card_providers})

    monkeypatch.setattr(cli, "_serve", record)
    return calls


def test_serve_without_any_provider_exits_non_zero_saying_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in PAYMENT_SETTINGS}
    refused = subprocess.run(
        [sys.executable, "-m", "estivage.cli", "serve", "--port", "1"],
        env={**env, "ESTIVAGE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert refused.returncode == 1
    assert "refusing to start" in refused.stderr
    assert "ESTIVAGE_PAYMENTS=test" in refused.stderr


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"ESTIVAGE_PAYMENTS": ""}, "ESTIVAGE_PAYMENTS=test"),
        ({"STRIPE_API_KEY": ""}, "ESTIVAGE_PAYMENTS=test"),
        ({"ESTIVAGE_PAYMENTS": "stripe"}, "STRIPE_API_KEY is not set"),
        ({"ESTIVAGE_PAYMENTS": "cmi", "CMI_CLIENT_ID": "600000001"}, "CMI_STORE_KEY"),
        ({"ESTIVAGE_PAYMENTS": "paypal"}, "unknown provider paypal"),
        ({"ESTIVAGE_PAYMENTS": "stripe,test", "STRIPE_API_KEY": "sk_x"}, "cannot be combined"),
    ],
)
def test_serve_refuses_when_card_payments_would_fall_back_to_test_mode_or_cannot_work(
    tmp_path: Path, started: list[dict[str, Any]], settings: dict[str, str], why: str
) -> None:
    result = CliRunner().invoke(cli.cli, ["serve"], env=_environment(tmp_path, **settings))
    assert result.exit_code == 1
    assert "refusing to start" in result.output
    assert why in result.output
    assert started == []


@pytest.mark.parametrize(
    ("settings", "providers"),
    [
        ({"ESTIVAGE_PAYMENTS": "test"}, ("test",)),
        ({"STRIPE_API_KEY": "sk_live_x"}, ("stripe",)),
        ({"ESTIVAGE_PAYMENTS": "cmi, stripe", "STRIPE_API_KEY": "sk_x", "CMI_CLIENT_ID": "6",
          "CMI_STORE_KEY": "k", "CMI_GATEWAY_URL": "https://testpayment.cmi.co.ma/fim/est3Dgate"},
         ("cmi", "stripe")),
    ],
)  # fmt: skip
def test_serve_starts_with_providers_said_or_configured(
    tmp_path: Path, started: list[dict[str, Any]], settings: dict[str, str], providers: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(cli.cli, ["serve", "--port", "8123"], env=_environment(tmp_path, **settings))
    assert result.exit_code == 0, result.output
    assert started == [{"port": 8123, "payments": providers}]


def test_the_demo_serves_in_test_mode_without_being_told(
    tmp_path: Path, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("estivage.migrate.upgrade", lambda _url: None)

    async def no_seed(_settings: Settings) -> None:
        return None

    monkeypatch.setattr(cli, "_seed", no_seed)
    result = CliRunner().invoke(cli.cli, ["demo", "--port", "8124"], env=_environment(tmp_path))
    assert result.exit_code == 0, result.output
    assert started == [{"port": 8124, "payments": ("test",)}]


def test_every_app_start_in_test_mode_logs_a_loud_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'never-opened.sqlite3'}"
    settings = Settings(data_dir=tmp_path, database_url=database, redis_url=None, jwt_secret="s" * 32)
    with caplog.at_level(logging.WARNING, logger="estivage"):
        create_app(settings)  # no provider said nor configured: the test mode
        create_app(settings)
    warned = [r for r in caplog.records if "CARD PAYMENTS ARE IN TEST MODE" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING, logging.WARNING]
