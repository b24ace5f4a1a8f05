"""Settings read once from the environment (see CONTRACT.md).

Unset values fall back to the embedded defaults: a SQLite file under the data directory and
Litestar's in-memory store, so a first run needs nothing installed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _secret_from_data_dir(data_dir: Path, name: str) -> str:
    """A random secret kept in the data directory, so the embedded default survives restarts
    without anyone having to invent a secret (production sets the variable instead)."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings (postgres://, postgresql://, sqlite:///) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    jwt_secret: str
    token_minutes: int = 60
    login_attempts_per_minute: int = 10
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    # Stripe.js needs the publishable key (not a secret) to show the card form in the pages.
    stripe_publishable_key: str | None = None
    debug: bool = False
    sql_echo: bool = False
    store_namespace: str = "estivage"
    pass_keys_file: Path | None = None
    log_format: str = "auto"
    metrics_token: str | None = None
    worker_metrics_port: int | None = None

    @property
    def pass_keys_path(self) -> Path:
        """The pass-signing keys (private: a file or mounted secret, never in an API response)."""
        return self.pass_keys_file or self.data_dir / "pass-keys.json"

    @property
    def mail_outbox(self) -> Path:
        """Where mail goes as ``.eml`` files while no mail server is configured (the contract's default)."""
        return self.data_dir / "outbox"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("ESTIVAGE_DATA_DIR", "./var")).resolve()
        database_url = _env("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'estivage.sqlite3'}"
        if database_url.startswith("sqlite"):
            data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            data_dir=data_dir,
            database_url=normalise_database_url(database_url),
            redis_url=_env("REDIS_URL") or None,
            jwt_secret=_env("ESTIVAGE_JWT_SECRET") or _secret_from_data_dir(data_dir, "jwt-secret"),
            token_minutes=int(_env("ESTIVAGE_TOKEN_MINUTES", "60")),
            login_attempts_per_minute=int(_env("ESTIVAGE_LOGIN_ATTEMPTS_PER_MINUTE", "10")),
            stripe_api_key=_env("STRIPE_API_KEY") or None,
            stripe_webhook_secret=_env("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=_env("STRIPE_API_BASE") or None,
            stripe_publishable_key=_env("STRIPE_PUBLISHABLE_KEY") or None,
            debug=_env("ESTIVAGE_DEBUG") in {"1", "true", "yes"},
            sql_echo=_env("ESTIVAGE_SQL_ECHO") in {"1", "true", "yes"},
            store_namespace=_env("ESTIVAGE_STORE_NAMESPACE", "estivage"),
            pass_keys_file=Path(_env("ESTIVAGE_PASS_KEYS_FILE")) if _env("ESTIVAGE_PASS_KEYS_FILE") else None,
            log_format=_env("ESTIVAGE_LOG_FORMAT", "auto"),
            metrics_token=_env("ESTIVAGE_METRICS_TOKEN") or None,
            worker_metrics_port=int(_env("ESTIVAGE_WORKER_METRICS_PORT", "0")) or None,
        )
