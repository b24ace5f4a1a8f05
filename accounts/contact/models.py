"""Persistence of e-mail changes waiting for their code."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class EmailChange(Base):
    """A member asked to replace their e-mail address: the new one waits for the code sent to it.

    A new request supersedes the pending one; a confirmed, superseded or exhausted request is kept (the
    member's own data shows it) and never used again."""

    __tablename__ = "email_changes"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'confirmed', 'superseded', 'exhausted')", name="email_change_state"
        ),
        Index("ix_email_changes_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    new_email: Mapped[str] = mapped_column(String(200))
    code_salt: Mapped[str] = mapped_column(String(32))
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
