"""HTTP for the audit log: staff read it, filtered and a page at a time; nobody writes it here."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log
from accounts.audit import schemas as s
from accounts.audit.models import AuditEntry
from accounts.guards import requires_staff


def entry_out(entry: AuditEntry, member_numbers: dict[int, str]) -> s.AuditEntryOut:
    return s.AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        actor_role=entry.actor_role,
        kind=entry.kind,
        subject_kind=entry.subject_kind,
        subject_key=entry.subject_key,
        member=member_numbers.get(entry.member_id) if entry.member_id is not None else None,
        before=entry.before,
        after=entry.after,
    )


class AuditController(Controller):
    path = "/api/audit"
    tags = ["accounts"]
    guards = [requires_staff]

    @get("/", summary="The audit log of staff actions, newest first, filtered, a page at a time")
    async def read(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: Annotated[str | None, QueryParameter(description="A username", max_length=64)] = None,
        kind: Annotated[str | None, QueryParameter(description="e.g. tariff.set", max_length=48)] = None,
        subject_kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
        subject_key: Annotated[str | None, QueryParameter(max_length=120)] = None,
        member: Annotated[str | None, QueryParameter(description="A member number", max_length=16)] = None,
        from_day: Annotated[date | None, QueryParameter(name="from")] = None,
        to_day: Annotated[date | None, QueryParameter(name="to")] = None,
        before: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=log.MAX_PAGE)] = 50,
    ) -> s.AuditPageOut:
        """Staff only. Filter by actor, kind, subject, member or days; pass `next_before` as `before` for
        the next, older page."""
        wanted = log.AuditFilter(actor, kind, subject_kind, subject_key, member, from_day, to_day)
        found = await log.entries(db_session, wanted, before=before, limit=limit)
        return s.AuditPageOut(
            entries=[entry_out(e, found.member_numbers) for e in found.entries], next_before=found.next_before
        )
