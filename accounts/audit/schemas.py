"""What the audit log's API reads out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec


class AuditEntryOut(msgspec.Struct):
    """One staff change: who, when, what kind, on what, and the fields that moved."""

    id: int
    at: datetime
    actor: Annotated[str, msgspec.Meta(description="The account's username as it was ('system' for a job)")]
    actor_role: str
    kind: Annotated[str, msgspec.Meta(description="What kind of change, e.g. tariff.set, booking.moved")]
    subject_kind: Annotated[str, msgspec.Meta(description="What was changed: centre, tariff, booking…")]
    subject_key: Annotated[
        str, msgspec.Meta(description="Which one: a code, an id, season/centre/type/category")
    ]
    member: Annotated[str | None, msgspec.Meta(description="The member number of the member concerned")] = (
        None
    )
    before: Annotated[
        dict[str, Any] | None, msgspec.Meta(description="The fields that moved, as they were (none: created)")
    ] = None
    after: Annotated[dict[str, Any] | None, msgspec.Meta(description="The same fields as they became")] = None


class AuditPageOut(msgspec.Struct):
    """A page of the audit log, newest first, and where the next page starts."""

    entries: list[AuditEntryOut]
    next_before: Annotated[
        int | None, msgspec.Meta(description="Pass as `before` for the next (older) page; null on the last")
    ] = None
