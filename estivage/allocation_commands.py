"""`estivage allocation close|draw|settle`: the summer draw on the database, for operators.

``close`` (scores computed, then stored) and ``draw`` (results stored, offers held) show their progress
on stderr, so that stdout carries only the summary; a stage reaches 100% only once its work is
committed. ``run`` and ``verify`` (in ``estivage.cli``) re-run a published draw without a database.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kernel.errors import DomainError
from kernel.settings import Settings

# The commands' work is imported when a command runs, not when the CLI loads: `estivage --help` and every
# other command start without the ORM, the domain and the app (about 2.7 s of imports).
if TYPE_CHECKING:
    from booking.campaigns import draw, offers
    from kernel.uow import UnitOfWork

T = TypeVar("T")
OPERATOR = "operator"


def _run(work: Callable[[UnitOfWork], Awaitable[T]], bars: StageBars | None = None) -> T:
    async def run() -> T:
        from estivage import bootstrap
        from estivage.mail import mail_config
        from kernel.db import create_disposable_engine, session_factory
        from kernel.uow import UnitOfWork

        settings = Settings.from_env()
        engine = create_disposable_engine(settings.database_url)
        handlers = bootstrap.event_handlers(bootstrap.payment_providers(settings), mail=mail_config(settings))
        try:
            async with session_factory(engine)() as session:
                try:
                    result = await work(UnitOfWork(session, handlers))  # the use case commits
                except BaseException:
                    if bars is not None:
                        bars.close()
                    raise
                if bars is not None:
                    bars.finish()  # the last stage's last step: committed
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        raise click.ClickException(f"{error.code}: {error.detail}") from error


class StageBars:
    """Progress of each stage of the draw on stderr: a bar on a terminal; elsewhere (logs, pipes) when
    asked with ``--progress``, a line at every tenth of a stage, so that a long run is seen moving."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.terminal = sys.stderr.isatty()
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0
        self.total = 0
        self.tenths = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.shown:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done, self.tenths = stage, 0, -1
            if self.terminal:
                self.bar = click.progressbar(length=max(total, 1), label=f"{stage:<8}", file=sys.stderr)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.done)
        elif (tenths := done * 10 // max(total, 1)) > self.tenths:
            self.tenths = tenths
            click.echo(f"{stage:<8} {done}/{total} ({done * 100 // max(total, 1)}%)", err=True)
        self.done, self.total = done, total

    def finish(self) -> None:
        """The current stage is done (its work committed): shown at 100%, then closed."""
        if self.stage is not None and self.done < self.total:
            self(self.stage, self.total, self.total)
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


_PROGRESS = click.option(
    "--progress/--no-progress", default=None, help="progress on stderr (default: bars on a terminal)"
)


@click.command("close", help="Close a campaign's applications: scores, digest, the close seed's commitment.")
@click.option("--campaign", "code", required=True, help="the campaign code, e.g. summer-2027")
@_PROGRESS
def close_command(code: str, progress: bool | None) -> None:
    bars = StageBars(sys.stderr.isatty() if progress is None else progress)

    async def work(uow: UnitOfWork) -> tuple[str | None, str | None, str | None]:
        from booking.campaigns import draw

        campaign = await draw.close(uow, code, OPERATOR, datetime.now(UTC), bars)
        return campaign.seed_commitment, campaign.close_seed_commitment, campaign.applications_digest

    commitment, close_commitment, digest = _run(work, bars)
    click.echo(
        f"{code} closed; seed commitment {commitment}; close seed commitment {close_commitment}; "
        f"applications digest {digest}"
    )


@click.command("draw", help="Run a closed campaign's draw on the database: reveal both seeds, hold offers.")
@click.option("--campaign", "code", required=True, help="the campaign code, e.g. summer-2027")
@_PROGRESS
def draw_command(code: str, progress: bool | None) -> None:
    bars = StageBars(sys.stderr.isatty() if progress is None else progress)

    async def work(uow: UnitOfWork) -> draw.DrawSummary:
        from booking.campaigns import draw

        return await draw.draw(uow, code, OPERATOR, datetime.now(UTC), bars)

    summary = _run(work, bars)
    click.echo(
        f"{code} drawn: {summary.applications} applications, {summary.offers} offers, "
        f"{summary.waiting} waiting; publish /api/campaigns/{code}/results.csv"
    )


@click.command(
    "settle", help="Record paid and cancelled offers, lapse unpaid ones past their deadline, re-offer units."
)
@click.option("--campaign", "code", default=None, help="one campaign (default: every drawn campaign)")
def settle_command(code: str | None) -> None:
    async def work(uow: UnitOfWork) -> offers.Settled:
        from booking.campaigns import settle

        if code is None:  # each campaign in its own transaction (``settle.settle_all``)
            return await settle.settle_all(uow, datetime.now(UTC))
        return await settle.settle(uow, datetime.now(UTC), code)

    done = _run(work)
    click.echo(
        f"paid {done.paid}, lapsed {done.lapsed}, declined {done.declined}, cancelled {done.cancelled}, "
        f"offered {done.offered}"
    )


COMMANDS = (close_command, draw_command, settle_command)
