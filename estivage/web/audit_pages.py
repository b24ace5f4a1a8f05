"""Staff read the audit log: filtered by who, what kind of change, on what, for which member and when,
newest first, a page at a time (``accounts.audit.log``, as ``GET /api/audit``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log
from accounts.audit.models import AuditEntry
from accounts.domain.audit import AuditKind
from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from estivage.web.common import Errors, language, page, parse_date

PAGE_SIZE = 50
FILTERS = ("actor", "kind", "subject_kind", "subject_key", "member", "from", "to")
SUBJECT_KINDS = (
    "account", "booking", "booking_policy", "campaign", "centre", "device", "pass", "promotion", "quota",
    "season", "tariff", "unit", "unit_type",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes_of(entry: AuditEntry) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    return [
        Change(k, _shown(before.get(k)), _shown(after.get(k))) for k in sorted(before.keys() | after.keys())
    ]


def _cursor(text: str) -> int | None:
    """The page's cursor (an entry id) from its link; anything else starts from the newest."""
    return int(text) if text.isdigit() and len(text) < 10 else None


class AuditPages(Controller):
    path = "/staff/audit"
    guards = [requires_staff]
    include_in_schema = False

    @get("/")
    async def read(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        lang = language(request)
        values = {k: str(request.query_params.get(k) or "").strip()[:120] for k in FILTERS}
        errors: Errors = {}
        from_day = parse_date(values["from"], "from", errors, lang) if values["from"] else None
        to_day = parse_date(values["to"], "to", errors, lang) if values["to"] else None
        before = _cursor(str(request.query_params.get("before") or ""))
        found = None
        if not errors:
            wanted = log.AuditFilter(
                values["actor"] or None,
                values["kind"] or None,
                values["subject_kind"] or None,
                values["subject_key"] or None,
                values["member"] or None,
                from_day,
                to_day,
            )
            found = await log.entries(db_session, wanted, before=before, limit=PAGE_SIZE)
        query = {k: v for k, v in values.items() if v}
        older = (
            "/staff/audit?" + urlencode({**query, "before": found.next_before})
            if found and found.next_before
            else None
        )
        return page(
            request,
            "staff_audit.html",
            status_code=422 if errors else 200,
            values=values,
            errors=errors,
            kinds=[k.value for k in AuditKind],
            subject_kinds=SUBJECT_KINDS,
            entries=[(e, changes_of(e)) for e in found.entries] if found else [],
            member_numbers=found.member_numbers if found else {},
            older=older,
            newest="/staff/audit?" + urlencode(query) if before else None,
        )
