"""`estivage allocation close|draw|settle`: the summer draw on the database, for operators.

``draw`` shows its progress on stderr (results stored, offers held), so that stdout carries only the
summary; ``run`` and ``verify`` (in ``estivage.cli``) re-run a published draw without a database.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from booking.campaigns import draw, offers, settle
from estivage.db import create_disposable_engine, session_factory
from estivage.settings import Settings
from inventory.domain.errors import DomainError

T = TypeVar("T")
OPERATOR = "operator"


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_disposable_engine(Settings.from_env().database_url)
        try:
            async with session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
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
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("close", help="Close a campaign's applications: scores, digest and seed commitment.")
@click.option("--campaign", "code", required=True, help="the campaign code, e.g. summer-2027")
def close_command(code: str) -> None:
    async def work(session: AsyncSession) -> tuple[str | None, str | None]:
        campaign = await draw.close(session, code, OPERATOR, datetime.now(UTC))
        return campaign.seed_commitment, campaign.applications_digest

    commitment, digest = _run(work)
    click.echo(f"{code} closed; seed commitment {commitment}; applications digest {digest}")


@click.command("draw", help="Run a closed campaign's draw on the database: reveal the seed, hold the offers.")
@click.option("--campaign", "code", required=True, help="the campaign code, e.g. summer-2027")
@click.option(
    "--progress/--no-progress", default=None, help="progress bars on stderr (default: on a terminal)"
)
def draw_command(code: str, progress: bool | None) -> None:
    bars = StageBars(sys.stderr.isatty() if progress is None else progress)

    async def work(session: AsyncSession) -> draw.DrawSummary:
        try:
            return await draw.draw(session, code, OPERATOR, datetime.now(UTC), bars)
        finally:
            bars.close()

    summary = _run(work)
    click.echo(
        f"{code} drawn: {summary.applications} applications, {summary.offers} offers, "
        f"{summary.waiting} waiting; publish /api/campaigns/{code}/results.csv"
    )


@click.command(
    "settle", help="Record paid and cancelled offers, lapse unpaid ones past their deadline, re-offer units."
)
@click.option("--campaign", "code", default=None, help="one campaign (default: every drawn campaign)")
def settle_command(code: str | None) -> None:
    async def work(session: AsyncSession) -> offers.Settled:
        return await settle.settle(session, datetime.now(UTC), code)

    done = _run(work)
    click.echo(
        f"paid {done.paid}, lapsed {done.lapsed}, declined {done.declined}, cancelled {done.cancelled}, "
        f"offered {done.offered}"
    )


COMMANDS = (close_command, draw_command, settle_command)
