"""The audit log's table: one row per staff change, written once and never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class AuditEntry(Base):
    """Who (the account's id and name as they were then), when, what kind of change, on what, and the
    fields that moved before and after (``accounts.domain.audit``).

    No foreign key to the accounts: the log outlives what it speaks of, and it names the actor and the
    member by their ids and the actor by name as they were when it happened."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_kind", "kind", "id"),
        Index("ix_audit_log_subject", "subject_kind", "subject_key"),
        Index("ix_audit_log_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer())
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(120))
    # The member the change concerns, when there is one (a booking made for them): their own data
    # (law 09-08) includes what staff did on their behalf.
    member_id: Mapped[int | None] = mapped_column(Integer())
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON())
