"""Writing the audit log from a use case, and reading it back for staff.

Written in the same transaction as the change: the use case that makes a staff change calls ``record``
on its own session, next to the change, before its one commit. So there is no change without its entry
and no entry for a change that rolled back, with nothing between the two to fail or to forget (see
docs/architecture.md, "The audit log", for why a direct call rather than an event).

    audit.record(session, actor, AuditKind.TARIFF_SET, Subject("tariff", key), now, before=old, after=new)

Nothing here updates or deletes a row: the log is append-only, and the database refuses an UPDATE or a
DELETE of it anyway (triggers of migration 0018).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.models import AuditEntry
from accounts.domain.audit import Actor, AuditKind, Subject, changes, plain
from accounts.domain.identity import Identity
from accounts.models import Member

# The days of a date filter are the foundation's days.
FOUNDATION_ZONE = ZoneInfo("Africa/Casablanca")
MAX_PAGE = 200


def record(
    session: AsyncSession,
    actor: Identity | Actor,
    kind: AuditKind,
    subject: Subject,
    now: datetime,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    member_id: int | None = None,
) -> bool:
    """One entry for one change, in the caller's transaction (never commits). With both ``before`` and
    ``after`` only the fields that moved are kept, and a change that moved nothing leaves no entry
    (False); with one side only (a creation, an action) that side is kept whole."""
    kept_before: dict[str, Any] | None
    kept_after: dict[str, Any] | None
    if before is not None and after is not None:
        kept_before, kept_after = changes(before, after)
        if not kept_after and not kept_before:
            return False
    else:
        kept_before = plain(before) if before is not None else None
        kept_after = plain(after) if after is not None else None
    who = Actor.of(actor)
    session.add(
        AuditEntry(
            at=now,
            actor_id=who.user_id,
            actor=who.username,
            actor_role=who.role,
            kind=AuditKind(kind).value,
            subject_kind=subject.kind,
            subject_key=subject.key,
            member_id=member_id,
            before=kept_before,
            after=kept_after,
        )
    )
    return True


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What staff narrow the log to; every part is optional. Days are whole days in the foundation's
    zone, both ends included."""

    actor: str | None = None
    kind: str | None = None
    subject_kind: str | None = None
    subject_key: str | None = None
    member_number: str | None = None
    from_day: date | None = None
    to_day: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=FOUNDATION_ZONE)


def _filtered(query: Select[tuple[AuditEntry]], wanted: AuditFilter) -> Select[tuple[AuditEntry]]:
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.kind:
        query = query.where(AuditEntry.kind == wanted.kind)
    if wanted.subject_kind:
        query = query.where(AuditEntry.subject_kind == wanted.subject_kind)
    if wanted.subject_key:
        query = query.where(AuditEntry.subject_key == wanted.subject_key)
    if wanted.member_number:
        member_id = select(Member.user_id).where(Member.member_number == wanted.member_number)
        query = query.where(AuditEntry.member_id.in_(member_id.scalar_subquery()))
    if wanted.from_day:
        query = query.where(AuditEntry.at >= _day_start(wanted.from_day))
    if wanted.to_day:
        query = query.where(AuditEntry.at < _day_start(wanted.to_day + timedelta(days=1)))
    return query


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    # The cursor of the next (older) page, None on the last one.
    next_before: int | None
    # The member numbers of the members the entries concern, by their account id.
    member_numbers: dict[int, str]


async def entries(
    session: AsyncSession, wanted: AuditFilter, *, before: int | None = None, limit: int = 50
) -> AuditPage:
    """Newest first, a page at a time: ``before`` is the previous page's ``next_before`` (an id), so a
    page never shifts when entries are added meanwhile, as an offset would."""
    limit = max(1, min(limit, MAX_PAGE))
    query = _filtered(select(AuditEntry), wanted)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    concerned = {row.member_id for row in rows if row.member_id is not None}
    numbers: dict[int, str] = {}
    if concerned:
        found = await session.execute(
            select(Member.user_id, Member.member_number).where(Member.user_id.in_(concerned))
        )
        numbers = dict(found.tuples().all())
    return AuditPage(rows, rows[-1].id if more and rows else None, numbers)


async def about_member(session: AsyncSession, member_id: int) -> list[AuditEntry]:
    """What staff did for or to one member, oldest first (their own data, law 09-08)."""
    query = select(AuditEntry).where(AuditEntry.member_id == member_id).order_by(AuditEntry.id)
    return list(await session.scalars(query))
