"""`estivage members import FILE [--dry-run] [--deactivate-missing]`: the foundation's roster, for operators.

Exit 0 when the file is applied (or previewed with ``--dry-run``), printing ``created N, updated N,
unchanged N, deactivated N`` (then, when some listed members have neither e-mail nor phone, how many: no
activation code can reach them, and staff must collect one); exit 1 when any line is invalid, printing
each bad line's number and why, with nothing changed; exit 2 for a file that cannot be read
(CONTRACT.md). A progress bar shows on stderr when it is a terminal, never in a pipe or a log.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from accounts.domain.audit import SYSTEM
from accounts.domain.roster import DEFAULT_CATEGORIES, Missing, RosterPlan, RosterUnreadable
from estivage.allocation_commands import StageBars
from kernel.settings import Settings

# The import's work (the ORM, the models) is imported when it runs, not when the CLI loads (`estivage
# --help` and the other commands start without it).
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from accounts.roster import Mode, RosterOutcome, RosterProgress

EXAMPLES = 5
UNREADABLE = 2
BAD_LINES = 1


async def known_categories(session: AsyncSession) -> frozenset[str]:
    """The categories a member may have: the summer score's, and any the foundation's tariffs or quotas
    name (a category staff configured)."""
    from sqlalchemy import select, union

    from inventory.models import Quota, Tariff

    configured = union(select(Tariff.category), select(Quota.category))
    return frozenset(DEFAULT_CATEGORIES) | set(await session.scalars(configured))


@contextmanager
def roster_lines(path: Path) -> Iterator[TextIO]:
    """The file as text lines: a BOM dropped, CRLF kept for the CSV reader, bytes that are not UTF-8
    passed on (as surrogates) so that their line is refused by number rather than the whole file."""
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        yield text


def line_count(path: Path) -> int:
    count = 0
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            count += chunk.count(b"\n")
    return count


async def run_import(
    database_url: str, path: Path, missing: Missing, mode: Mode, progress: RosterProgress
) -> RosterOutcome:
    from accounts.roster import RosterImport, import_roster
    from kernel.db import create_disposable_engine, session_factory
    from kernel.uow import UnitOfWork

    engine = create_disposable_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            categories = await known_categories(session)
            with roster_lines(path) as lines:
                asked = RosterImport(str(path), lines, categories, missing, mode, line_count(path))
                return await import_roster(UnitOfWork(session), asked, SYSTEM, datetime.now(UTC), progress)
    finally:
        await engine.dispose()


def examples(changes: RosterPlan) -> list[str]:
    """A few of each kind of change, as an operator checks a dry run."""
    return [
        *(f"new: {e.member_number} {e.display_name} ({e.category})" for e in changes.created[:EXAMPLES]),
        *(f"changed: {u.describe()}" for u in changes.updated[:EXAMPLES]),
        *(f"deactivated: {number}" for _, number in changes.deactivated[:EXAMPLES]),
        *(f"no e-mail, no phone: {e.member_number} {e.display_name}" for e in changes.unreachable[:EXAMPLES]),
    ]


def unreachable_line(changes: RosterPlan) -> str:
    """Said after the summary when some listed members have neither e-mail nor phone; "" when none."""
    count = len(changes.unreachable)
    if not count:
        return ""
    return f"{count} listed member(s) with no e-mail and no phone: no activation code can reach them"


@click.group(help="The foundation's members: load the roster from the HR/payroll export.")
def members() -> None:
    pass


@members.command(
    "import",
    help="Load the roster (UTF-8 CSV; columns member_number, last_name, first_name, last_name_ar, "
    "first_name_ar, category, email, phone, birth_date, family_size, salary_scale). All or nothing: "
    "one bad line and nothing changes (exit 1, every bad line listed); exit 2 if FILE cannot be read.",
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="check and compare, print what would change, change nothing")
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="deactivate the members the file does not list (their stays stay; they can no longer book)",
)
def import_command(file: Path, dry_run: bool, deactivate_missing: bool) -> None:
    from accounts.roster import Mode

    bars = StageBars(sys.stderr.isatty())
    missing = Missing.DEACTIVATE if deactivate_missing else Missing.KEEP
    mode = Mode.DRY_RUN if dry_run else Mode.APPLY
    try:
        outcome = asyncio.run(run_import(Settings.from_env().database_url, file, missing, mode, bars))
    except (OSError, RosterUnreadable) as unreadable:
        bars.close()
        reason = unreadable.detail if isinstance(unreadable, RosterUnreadable) else unreadable.strerror
        click.echo(f"cannot read {file}: {reason or unreadable}", err=True)
        raise SystemExit(UNREADABLE) from None
    bars.finish()
    if outcome.bad_lines:
        for bad in outcome.bad_lines:
            click.echo(bad.describe())
        click.echo(f"{len(outcome.bad_lines)} bad line(s): nothing was changed", err=True)
        raise SystemExit(BAD_LINES)
    changes = outcome.plan
    assert changes is not None
    click.echo(changes.summary())
    if unreachable := unreachable_line(changes):
        click.echo(unreachable)
    if mode is Mode.DRY_RUN:
        for line in examples(changes):
            click.echo(f"  {line}")
        click.echo("dry run: nothing was changed")
