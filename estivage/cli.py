"""`estivage`: the operators' command (serve, migrate, seed-demo, demo and the staff tools).

A click group (the toolkit Litestar's own CLI is built on). Each command imports its work lazily, so
that `estivage --help` starts at once.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from estivage.allocation_commands import COMMANDS as CAMPAIGN_COMMANDS
from estivage.roster_import import members
from kernel.settings import Settings

if TYPE_CHECKING:
    from payments.reports import PayrollTotals


@click.group(help="Estivage: bookings and access passes for the foundation's holiday centres.")
def cli() -> None:
    pass


@cli.command(help="Apply the database migrations (Alembic upgrade to the latest revision).")
def migrate() -> None:
    from estivage.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    click.echo(f"migrated {_redacted(settings.database_url)}")


async def _seed(settings: Settings) -> None:
    from estivage.seed import seed_demo, seed_demo_campaign
    from kernel.db import create_disposable_engine, session_factory

    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await seed_demo(session)
        await seed_demo_campaign(session)
    await engine.dispose()


@cli.command("seed-demo", help="Load the demo centres, seasons, tariffs, quotas and accounts (idempotent).")
def seed_demo_command() -> None:
    settings = Settings.from_env()
    asyncio.run(_seed(settings))
    click.echo("demo data loaded: members M0001-M0500, manager-<centre>, staff (password estivage-demo)")


def _serve(host: str, port: int, workers: int, graceful_seconds: int = 25) -> None:
    import uvicorn

    from estivage import serving
    from estivage.observability import configure_logging, prepare_multiprocess_metrics

    settings = Settings.from_env()
    configure_logging(settings.log_format)
    prepare_multiprocess_metrics(workers)  # before the workers start: they inherit the directory
    uvicorn.run(
        "estivage.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
        log_config=None,  # structlog (estivage/observability.py) formats uvicorn's lines too
        access_log=False,  # one structured line per request comes from the app, with its request id
        # On SIGTERM: stop accepting, let requests in flight finish for up to this long, then stop.
        timeout_graceful_shutdown=graceful_seconds,
        # asyncio's loop, not uvloop, and Nagle off on every connection: estivage/serving.py says why.
        loop=serving.LOOP,
        http=serving.NoDelayHttpToolsProtocol,
    )


def _payments_refusal() -> str | None:
    """Why ``serve`` must not start with these payment settings, or None: card payments would fall back
    to the test mode without ESTIVAGE_PAYMENTS=test said, or a provider listed lacks its settings."""
    from kernel.settings import SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as bad:
        return str(bad)
    if settings.test_mode_by_default:
        return (
            "no card payment provider is configured, and the built-in test mode (no money moves; members "
            "confirm their own stays) is never a silent fallback. Set ESTIVAGE_PAYMENTS to stripe and/or "
            "cmi with their settings (README, Settings), or ESTIVAGE_PAYMENTS=test for a test service."
        )
    problems = settings.payment_problems()
    return "; ".join(problems) if problems else None


@cli.command(help="Serve the API.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option(
    "--graceful-timeout",
    default=25,
    show_default=True,
    type=int,
    help="seconds that requests in flight get to finish after SIGTERM",
)
def serve(host: str, port: int, workers: int, graceful_timeout: int) -> None:
    refusal = _payments_refusal()
    if refusal:
        raise click.ClickException(f"refusing to start: {refusal}")
    _serve(host, port, workers, graceful_timeout)


@cli.command(help="Migrate, load the demo data and serve, on the embedded default unless told otherwise.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    import os

    from estivage.migrate import upgrade

    # The demo pays in the built-in test mode, offline, unless told otherwise (its page says TEST MODE,
    # and the log warns at every start).
    os.environ.setdefault("ESTIVAGE_PAYMENTS", "test")
    # The demo's server delivers its own mail (.eml files under the data directory unless
    # ESTIVAGE_SMTP_URL says a server): no worker to start.
    os.environ.setdefault("ESTIVAGE_MAIL_IN_APP", "1")
    settings = Settings.from_env()
    upgrade(settings.database_url)
    asyncio.run(_seed(settings))
    click.echo(f"demo ready on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    _serve(host, port, 1)


@cli.command(help="Run the housekeeping worker (expired holds, deadlines) until stopped.")
@click.option("--interval", default=60.0, show_default=True, type=float, help="seconds between rounds")
def worker(interval: float) -> None:
    from estivage.observability import (
        configure_logging,
        metrics_port_server,
        run_until_terminated,
    )
    from estivage.worker import run_forever

    settings = Settings.from_env()
    configure_logging(settings.log_format)
    metrics_port_server(settings.worker_metrics_port, settings.metrics_token)
    asyncio.run(run_until_terminated(run_forever(settings, interval)))


@cli.command("payroll-export", help="Write the month's holiday-credit deductions as the payroll CSV.")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="file (default: stdout)")
@click.option("--dry-run", is_flag=True, help="do not mark the lines exported")
def payroll_export_command(month: str, output: str | None, dry_run: bool) -> None:
    from datetime import date

    from kernel.db import create_disposable_engine, session_factory
    from payments.reports import PayrollReport, payroll_report

    try:
        first_day = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter("expected YYYY-MM", param_hint="--month") from None

    terminal = sys.stderr.isatty()

    def progress(done: int, count: int) -> None:  # on a terminal only, never into a pipe or a log
        click.echo(f"\r{done}/{count}", nl=done == count, err=True)

    async def run() -> PayrollReport:
        engine = create_disposable_engine(Settings.from_env().database_url)
        async with session_factory(engine)() as session:
            report = await payroll_report(
                session, first_day, mark_exported=not dry_run, progress=progress if terminal else None
            )
            await session.commit()
        await engine.dispose()
        return report

    report = asyncio.run(run())
    if output:
        with open(output, "w", encoding="utf-8") as file:  # noqa: PTH123 - a plain CLI file argument
            file.write(report.text)
    else:
        click.echo(report.text, nl=False)
    # The totals close the report; with the CSV on stdout they go to stderr so a pipe gets the CSV alone.
    for line in payroll_totals_lines(report.totals, output, dry_run):
        click.echo(line, err=not output)


def payroll_totals_lines(totals: PayrollTotals, output: str | None, dry_run: bool) -> list[str]:
    t = totals
    return [
        f"members: {t.members}",
        f"deductions: {t.deductions}",
        f"sum: {t.total.amount_minor // 100}.{t.total.amount_minor % 100:02d} MAD",
        f"already exported (listed again): {t.already_exported}",
        f"skipped (cancelled): {t.skipped}",
        *([f"written to {output}"] if output else []),
        *(["dry run: nothing marked exported"] if dry_run else []),
    ]


@cli.command(
    help="Compare the card payments recorded here with the providers: Stripe's PaymentIntents, and CMI's "
    "transaction export (--cmi-export, the CSV staff download from CMI's back office); and check that "
    "every booking's payments and refunds add up. Exit 1 on any difference."
)
@click.option(
    "--cmi-export",
    type=click.Path(exists=True, dir_okay=False),
    help="CMI's transaction export (CSV) to compare the CMI payments and refunds with",
)
def reconcile(cmi_export: str | None) -> None:
    from pathlib import Path

    from estivage.bootstrap import payment_providers
    from kernel.db import create_disposable_engine, session_factory
    from payments.cmi_reconciliation import compare_with_export
    from payments.domain.cmi_reconcile import ExportRefused, parse_export
    from payments.reports import ledger_mismatches
    from payments.reports import reconcile as compare

    settings = Settings.from_env()
    providers = payment_providers(settings)
    try:
        rows = parse_export(Path(cmi_export).read_text(encoding="utf-8-sig")) if cmi_export else None
    except (ExportRefused, UnicodeDecodeError) as refused:
        raise click.ClickException(f"the CMI export cannot be read: {refused}") from refused

    async def run() -> list[str]:
        engine = create_disposable_engine(settings.database_url)
        lines = []
        async with session_factory(engine)() as session:
            for provider in providers.intent_readers:
                lines += [
                    f"{d.payment_ref}: here {d.local}, provider {d.provider}"
                    for d in await compare(session, provider)
                ]
            if rows is not None:
                lines += [f"cmi {line}" for line in await compare_with_export(session, rows)]
            lines += [f"ledger {line}" for line in await ledger_mismatches(session)]
        await engine.dispose()
        return lines

    lines = asyncio.run(run())
    if providers.cmi is not None and rows is None:
        click.echo("CMI payments not compared: give CMI's transaction export with --cmi-export", err=True)
    click.echo("\n".join(lines) if lines else "no differences")
    if lines:
        raise SystemExit(1)


@cli.group(help="Pass-signing keys.")
def keys() -> None:
    pass


@keys.command(
    "rotate",
    help="Add a signing key, served to gates at once and signing passes after --publish-hours; "
    "older public keys keep verifying until their not_after.",
)
@click.option(
    "--publish-hours",
    default=48.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="how long gates can fetch the new public key before it signs (0: at once, for a lost key)",
)
def keys_rotate(publish_hours: float) -> None:
    from datetime import UTC, datetime, timedelta

    from access.keys import rotate

    settings = Settings.from_env()
    key = rotate(settings.pass_keys_path, datetime.now(UTC), timedelta(hours=publish_hours))
    click.echo(f"new signing key {key.kid} in {settings.pass_keys_path}, signing from {key.signing_from}")


@keys.command("ensure", help="Make the first signing key if there is none (idempotent; run before serving).")
def keys_ensure() -> None:
    from datetime import UTC, datetime

    from access.keys import ensure, signing_key

    settings = Settings.from_env()
    now = datetime.now(UTC)
    key = signing_key(ensure(settings.pass_keys_path, now), now)
    click.echo(f"signing key {key.kid} in {settings.pass_keys_path}")


@keys.command(
    "retire",
    help="End a key's trust now (a key feared stolen): gates refuse its passes from their next sync. "
    "Passes it signed must be reissued.",
)
@click.argument("kid")
def keys_retire(kid: str) -> None:
    from datetime import UTC, datetime

    from access.keys import KeyringError, retire

    settings = Settings.from_env()
    try:
        retire(settings.pass_keys_path, kid, datetime.now(UTC))
    except KeyringError as refused:
        raise click.UsageError(str(refused)) from refused
    click.echo(f"key {kid} retired: gates drop it at their next sync")


@keys.command("list", help="The signing keys' ids, creation dates and not_after (never the private keys).")
def keys_list() -> None:
    from access.keys import load

    for key in load(Settings.from_env().pass_keys_path):
        not_after = key.not_after or "-"
        click.echo(
            f"{key.kid}  created {key.created_at:%Y-%m-%d}  signs from {key.signing_from:%Y-%m-%d %H:%M}  "
            f"not_after {not_after}  {key.public_base64url}"
        )


@cli.group(help="The summer draw: re-run it from its published inputs, or check published results.")
def allocation() -> None:
    pass


@allocation.command("run", help="Print the results that the published inputs (JSON, seed revealed) give.")
@click.argument("inputs", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
def allocation_run(inputs: str, output_format: str) -> None:
    from estivage.draw_check import main as publication

    raise SystemExit(publication(["run", inputs, "--format", output_format]))


@allocation.command(
    "verify",
    help="Re-run the draw and print 'identical' (exit 0) or the first difference (exit 1); "
    "a file that cannot be used is one line on stderr (exit 2).",
)
@click.argument("inputs", type=click.Path(exists=True, dir_okay=False))
@click.argument("results", type=click.Path(exists=True, dir_okay=False))
def allocation_verify(inputs: str, results: str) -> None:
    from estivage.draw_check import main as publication

    raise SystemExit(publication(["verify", inputs, results]))


for _command in CAMPAIGN_COMMANDS:  # close, draw, settle: the draw on the database
    allocation.add_command(_command)

cli.add_command(members)  # members import: the roster


def _redacted(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
