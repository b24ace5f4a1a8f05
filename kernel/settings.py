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


# Who may take card payments (ESTIVAGE_PAYMENTS): Stripe, CMI (Moroccan bank cards), or the built-in test
# mode, whose "payment" is a page of the service itself and moves no money.
PAYMENT_PROVIDERS = ("stripe", "cmi", "test")


class SettingsError(ValueError):
    """A setting that cannot be used as given; the message names the variable and says why."""


def parse_payments(value: str) -> tuple[str, ...]:
    """``ESTIVAGE_PAYMENTS``: a comma list of providers, in the order the pages offer them."""
    names = tuple(dict.fromkeys(name.strip().lower() for name in value.split(",") if name.strip()))
    unknown = [name for name in names if name not in PAYMENT_PROVIDERS]
    if unknown:
        raise SettingsError(
            f"ESTIVAGE_PAYMENTS: unknown provider {', '.join(unknown)}; use stripe, cmi or test"
        )
    if "test" in names and len(names) > 1:
        raise SettingsError("ESTIVAGE_PAYMENTS: test mode cannot be combined with real providers")
    return names


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
    # Access tokens stay short; a refresh token (rotated at each use) keeps a device signed in.
    token_minutes: int = 15
    refresh_days: int = 30
    # Requests per minute and address for the code requests (activation, password reset).
    login_attempts_per_minute: int = 10
    # Failed logins counted per account and per address, in a window from the first (accounts.login).
    login_failures_per_account: int = 10
    login_failures_per_address: int = 100
    login_failure_minutes: int = 15
    # Requests at work at once in one process, the others queued first in, first out (estivage.admission).
    admission_limit: int = 16
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    # Stripe.js needs the publishable key (not a secret) to show the card form in the pages.
    stripe_publishable_key: str | None = None
    # ESTIVAGE_PAYMENTS as said; empty when unset (see ``card_providers``).
    payments: tuple[str, ...] = ()
    cmi_client_id: str | None = None
    cmi_store_key: str | None = None
    cmi_gateway_url: str | None = None
    # The address members and CMI reach the service at (https://…, no trailing slash): CMI's callback and
    # return addresses are built on it. Unset, they are built on the request's own address.
    public_url: str | None = None
    debug: bool = False
    sql_echo: bool = False
    store_namespace: str = "estivage"
    pass_keys_file: Path | None = None
    log_format: str = "auto"
    metrics_token: str | None = None
    worker_metrics_port: int | None = None
    # Mail (CONTRACT.md): unset SMTP URL, messages are .eml files under data_dir/outbox.
    smtp_url: str | None = None
    mail_from: str = "Estivage <no-reply@estivage.example>"
    # The demo's server delivers its own mail; in production `estivage worker` does.
    mail_in_app: bool = False
    # SMS, off unless a gateway URL is set: an HTTP call per message (notifications.sms).
    sms_url: str | None = None
    sms_template: str = '{"to": "{to}", "text": "{text}"}'
    # The proxies whose X-Forwarded-Proto/-For are believed (uvicorn's own variable and syntax): behind
    # them an https request is https to the app, and its cookies are Secure (docs/security.md).
    forwarded_allow_ips: str = "127.0.0.1"

    @property
    def pass_keys_path(self) -> Path:
        """The pass-signing keys (private: a file or mounted secret, never in an API response)."""
        return self.pass_keys_file or self.data_dir / "pass-keys.json"

    @property
    def cmi_configured(self) -> bool:
        return bool(self.cmi_client_id and self.cmi_store_key and self.cmi_gateway_url)

    @property
    def card_providers(self) -> tuple[str, ...]:
        """The card providers in use: ESTIVAGE_PAYMENTS when said; otherwise those whose settings are
        given (Stripe's key, CMI's three); otherwise the built-in test mode, which ``estivage serve``
        refuses unless it is said (``test_mode_by_default``)."""
        if self.payments:
            return self.payments
        configured = (("stripe",) if self.stripe_api_key else ()) + (("cmi",) if self.cmi_configured else ())
        return configured or ("test",)

    @property
    def test_mode_by_default(self) -> bool:
        """Card payments would fall back to the test mode without anyone having asked for it."""
        return not self.payments and self.card_providers == ("test",)

    def payment_problems(self) -> list[str]:
        """What keeps the providers of ESTIVAGE_PAYMENTS from working, one line each."""
        problems = []
        if "stripe" in self.payments and not self.stripe_api_key:
            problems.append("ESTIVAGE_PAYMENTS lists stripe but STRIPE_API_KEY is not set")
        if "cmi" in self.payments and not self.cmi_configured:
            problems.append(
                "ESTIVAGE_PAYMENTS lists cmi but CMI_CLIENT_ID, CMI_STORE_KEY and CMI_GATEWAY_URL "
                "are not all set"
            )
        return problems

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
            token_minutes=int(_env("ESTIVAGE_TOKEN_MINUTES", "15")),
            refresh_days=int(_env("ESTIVAGE_REFRESH_DAYS", "30")),
            login_attempts_per_minute=int(_env("ESTIVAGE_LOGIN_ATTEMPTS_PER_MINUTE", "10")),
            login_failures_per_account=int(_env("ESTIVAGE_LOGIN_FAILURES_PER_ACCOUNT", "10")),
            login_failures_per_address=int(_env("ESTIVAGE_LOGIN_FAILURES_PER_ADDRESS", "100")),
            login_failure_minutes=int(_env("ESTIVAGE_LOGIN_FAILURE_MINUTES", "15")),
            admission_limit=int(_env("ESTIVAGE_ADMISSION_LIMIT", "16")),
            stripe_api_key=_env("STRIPE_API_KEY") or None,
            stripe_webhook_secret=_env("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=_env("STRIPE_API_BASE") or None,
            stripe_publishable_key=_env("STRIPE_PUBLISHABLE_KEY") or None,
            payments=parse_payments(_env("ESTIVAGE_PAYMENTS")),
            cmi_client_id=_env("CMI_CLIENT_ID") or None,
            cmi_store_key=_env("CMI_STORE_KEY") or None,
            cmi_gateway_url=_env("CMI_GATEWAY_URL") or None,
            public_url=_env("ESTIVAGE_PUBLIC_URL").rstrip("/") or None,
            debug=_env("ESTIVAGE_DEBUG") in {"1", "true", "yes"},
            sql_echo=_env("ESTIVAGE_SQL_ECHO") in {"1", "true", "yes"},
            store_namespace=_env("ESTIVAGE_STORE_NAMESPACE", "estivage"),
            pass_keys_file=Path(_env("ESTIVAGE_PASS_KEYS_FILE")) if _env("ESTIVAGE_PASS_KEYS_FILE") else None,
            log_format=_env("ESTIVAGE_LOG_FORMAT", "auto"),
            metrics_token=_env("ESTIVAGE_METRICS_TOKEN") or None,
            worker_metrics_port=int(_env("ESTIVAGE_WORKER_METRICS_PORT", "0")) or None,
            smtp_url=_env("ESTIVAGE_SMTP_URL") or None,
            mail_from=_env("ESTIVAGE_MAIL_FROM") or "Estivage <no-reply@estivage.example>",
            mail_in_app=_env("ESTIVAGE_MAIL_IN_APP") in {"1", "true", "yes"},
            sms_url=_env("ESTIVAGE_SMS_URL") or None,
            sms_template=_env("ESTIVAGE_SMS_TEMPLATE") or '{"to": "{to}", "text": "{text}"}',
            forwarded_allow_ips=_env("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
