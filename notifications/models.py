"""The outbox: one row per message, written in the transaction of what it tells (``notifications.outbox``)
and updated by the sender (``notifications.delivery``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base
from notifications.domain.delivery import Channel, MessageStatus


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    # What caused it, once: ``booking_confirmed:<booking id>``; a second event of the same kind and
    # subject writes no second message.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.EMAIL)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text())
    body_html: Mapped[str] = mapped_column(Text(), default="")
    # The whole RFC 5322 message (attachments included) but its From and Message-ID, which the sender
    # stamps from ESTIVAGE_MAIL_FROM and the row's id: the same on every try, so a message sent twice
    # after a crash is the same message, which mail clients show once. None for an SMS, and for a mail
    # without attachments, which the sender makes from ``subject``, ``body_text`` and ``body_html``
    # (``notifications.compose.mime``, dated ``created_at``: the same bytes on every try).
    content: Mapped[bytes | None] = mapped_column(LargeBinary())
    status: Mapped[str] = mapped_column(String(8), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
