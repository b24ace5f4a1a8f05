"""Importing the foundation's roster: every line checked first, then every change written at once.

All or nothing: the file is read to its end and every line checked (``accounts.domain.roster``) before
anything is written; one bad line, and the import writes nothing and returns every bad line. A good
file is compared with the members on file and its changes written in one transaction, by bulk Core
statements (one ``INSERT`` of the new accounts and one of their members, one ``UPDATE`` run over the
changed rows), so 50,000 members take seconds, not minutes (``bench/roster.py``).

A new member gets an account named by their member number with no password (``""`` never matches one,
``accounts.passwords``): they set theirs when they activate. A member who leaves the roster keeps their
account, stays and payments, but is deactivated (``users.active``): they cannot log in, and a hold for
them is refused. A member's new category reaches new bookings only: a booking keeps the category and
price it was made with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log as audit
from accounts.domain.audit import Actor, AuditKind, Subject
from accounts.domain.identity import MEMBER, Identity
from accounts.domain.roster import (
    COLUMNS,
    BadLine,
    Missing,
    OnFile,
    Problem,
    ProblemCode,
    RosterEntry,
    RosterPlan,
    plan,
    read_roster,
)
from accounts.models import Member, User
from kernel.uow import UnitOfWork

# (stage, done, total): "checking" counts the file's lines, "saving" the rows written.
RosterProgress = Callable[[str, int, int], None]
NO_PASSWORD = ""
_REPORT_EVERY = 1000
_CHUNK = 2000  # rows per bulk statement

_USERS: Table = User.__table__  # type: ignore[assignment]
_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_FACTS = COLUMNS[1:]  # every column but the key, as they are written

_ON_FILE = select(_MEMBERS.c.user_id, _USERS.c.active, *(_MEMBERS.c[name] for name in COLUMNS)).join(
    _USERS, _USERS.c.id == _MEMBERS.c.user_id
)
# Account names a new member could not take: those of staff, managers, and members named otherwise.
_TAKEN_NAMES = (
    select(_USERS.c.username)
    .outerjoin(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
    .where(or_(_MEMBERS.c.user_id.is_(None), _MEMBERS.c.member_number != _USERS.c.username))
)
# No RETURNING: with its rows in order SQLite inserts one row a statement; the ids are read back after.
_NEW_ACCOUNTS = insert(_USERS)
_ACCOUNT_IDS = select(_USERS.c.username, _USERS.c.id).where(
    _USERS.c.username.in_(bindparam("names", expanding=True))
)
_NEW_MEMBERS = insert(_MEMBERS)
_MEMBER_FACTS = (
    update(_MEMBERS)
    .where(_MEMBERS.c.user_id == bindparam("b_user_id"))
    .values({name: bindparam(f"b_{name}") for name in _FACTS})
)
_ACCOUNT_BACK = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("b_user_id"))
    .values(display_name=bindparam("b_display_name"), active=True)
)


class Mode(StrEnum):
    APPLY = "apply"
    DRY_RUN = "dry_run"  # everything checked and compared, nothing written


@dataclass(frozen=True, slots=True)
class RosterImport:
    """What is asked: the file's name (for the audit log), its lines, and what to do."""

    source: str
    lines: Iterable[str]
    categories: frozenset[str]
    missing: Missing = Missing.KEEP
    mode: Mode = Mode.APPLY
    line_count: int = 0  # for progress only


@dataclass(frozen=True, slots=True)
class RosterOutcome:
    """Either bad lines (nothing changed) or the plan, applied or only previewed."""

    bad_lines: tuple[BadLine, ...]
    plan: RosterPlan | None
    applied: bool


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


async def import_roster(
    uow: UnitOfWork,
    asked: RosterImport,
    actor: Identity | Actor,
    now: datetime,
    progress: RosterProgress = _quiet,
) -> RosterOutcome:
    """Check the whole roster, then (when it is good and this is no dry run) write its changes at once."""
    async with uow:
        session = uow.session
        entries, bad = _checked(asked, now.date(), progress)
        on_file = {row.member_number: _on_file(row) for row in await session.execute(_ON_FILE)}
        bad += _taken_names(entries, on_file, set(await session.scalars(_TAKEN_NAMES)))
        if bad:
            return RosterOutcome(tuple(sorted(bad, key=lambda b: b.line)), None, applied=False)
        changes = plan((e for _, e in entries), on_file, asked.missing)
        if asked.mode is Mode.DRY_RUN or not changes.changes:
            return RosterOutcome((), changes, applied=False)
        await _write(session, changes, now, progress)
        audit.record(
            session,
            actor,
            AuditKind.ROSTER_IMPORTED,
            Subject("roster", asked.source[-120:]),
            now,
            after={
                "created": len(changes.created),
                "updated": len(changes.updated),
                "unchanged": changes.unchanged,
                "deactivated": len(changes.deactivated),
            },
        )
        await uow.commit()
        return RosterOutcome((), changes, applied=True)


def _checked(
    asked: RosterImport, today: date, progress: RosterProgress
) -> tuple[list[tuple[int, RosterEntry]], list[BadLine]]:
    entries: list[tuple[int, RosterEntry]] = []
    bad: list[BadLine] = []
    total = max(asked.line_count, 1)
    for read in read_roster(asked.lines, asked.categories, today):
        if read.entry is not None:
            entries.append((read.line, read.entry))
        elif read.bad is not None:
            bad.append(read.bad)
        if read.line % _REPORT_EVERY == 0:
            progress("checking", min(read.line, total), total)
    progress("checking", total, total)
    return entries, bad


def _on_file(row: Any) -> OnFile:
    return OnFile(row.user_id, tuple(row._mapping[name] for name in COLUMNS), bool(row.active))


def _taken_names(
    entries: list[tuple[int, RosterEntry]], on_file: Mapping[str, OnFile], taken: set[str]
) -> list[BadLine]:
    return [
        BadLine(line, (Problem("member_number", ProblemCode.NOT_A_MEMBER_ACCOUNT, entry.member_number),))
        for line, entry in entries
        if entry.member_number not in on_file and entry.member_number in taken
    ]


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


async def _write(session: AsyncSession, changes: RosterPlan, now: datetime, progress: RosterProgress) -> None:
    total = max(changes.changes, 1)
    done = 0
    for start in range(0, len(changes.created), _CHUNK):
        entries = changes.created[start : start + _CHUNK]
        await session.execute(_NEW_ACCOUNTS, [_new_account(entry, now) for entry in entries])
        names = [entry.member_number for entry in entries]
        ids = dict((await session.execute(_ACCOUNT_IDS, {"names": names})).tuples().all())
        await session.execute(_NEW_MEMBERS, [_member_row(ids[e.member_number], e) for e in entries])
        done += len(entries)
        progress("saving", done, total)
    facts = [{"b_user_id": u.user_id, **_bound(u.entry)} for u in changes.updated]
    accounts = [{"b_user_id": u.user_id, "b_display_name": u.entry.display_name} for u in changes.updated]
    for member_chunk, account_chunk in zip(_chunks(facts), _chunks(accounts), strict=True):
        await session.execute(_MEMBER_FACTS, member_chunk)
        await session.execute(_ACCOUNT_BACK, account_chunk)
        done += len(member_chunk)
        progress("saving", done, total)
    leaving = [user_id for user_id, _ in changes.deactivated]
    for start in range(0, len(leaving), _CHUNK // 4):
        gone = leaving[start : start + _CHUNK // 4]
        await session.execute(update(_USERS).where(_USERS.c.id.in_(gone)).values(active=False))
        done += len(gone)
        progress("saving", done, total)


def _new_account(entry: RosterEntry, now: datetime) -> dict[str, Any]:
    return {
        "username": entry.member_number,
        "password_hash": NO_PASSWORD,
        "role": MEMBER.value,
        "display_name": entry.display_name,
        "active": True,
        "created_at": now,
    }


def _member_row(user_id: int, entry: RosterEntry) -> dict[str, Any]:
    return {"user_id": user_id, **dict(zip(COLUMNS, entry.values(), strict=True))}


def _bound(entry: RosterEntry) -> dict[str, Any]:
    return {f"b_{name}": value for name, value in zip(COLUMNS, entry.values(), strict=True) if name in _FACTS}
