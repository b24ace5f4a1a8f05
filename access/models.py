"""Persistence of gate devices, the gates' scan events and the revocation feed."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class Device(Base):
    """A gate device enrolled for one centre. Its token is shown once; only a SHA-256 of it is kept."""

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # What the gate said of itself at its last complete sync (the fleet view, access.fleet).
    agent_version: Mapped[str | None] = mapped_column(String(32))
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    backlog: Mapped[int | None] = mapped_column(Integer())
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger())  # the gate's clock minus ours


class GateEvent(Base):
    """One scan decided at a gate, uploaded (possibly days later) and stored once by its event id."""

    __tablename__ = "gate_events"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="gate_direction"),
        CheckConstraint("decision IN ('granted', 'denied')", name="gate_decision"),
        Index("ix_gate_events_centre_time", "centre_id", "scanned_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    # None when the scanned code was not an authentic pass: no valid signature vouches for any id.
    pass_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    scanned_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # The booking of the pass (or of the code a guard typed): presence counts per booking.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    # Its place in its party's order at the gates (gateway_agent.decision.next_stamp); None before 0017.
    ordered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # A guard's reason for a manual override (reason "override").
    note: Mapped[str | None] = mapped_column(String(200))


class ScanFeedEntry(Base):
    """The per-centre scan feed gates pull by cursor: one row per stored event, `seq` in commit order
    (writers take the 'scans' feed lock first, as for revocations)."""

    __tablename__ = "scan_feed"

    seq: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gate_events.event_id", ondelete="CASCADE"), unique=True
    )


class PeerKey(Base):
    """The secret the gates of one centre prove themselves with to each other (HMAC per message).
    Handed to each enrolled gate by `GET /api/access/device`; replaced when a gate is revoked."""

    __tablename__ = "peer_keys"
    __table_args__ = (UniqueConstraint("centre_id", "generation", name="uq_peer_keys_generation"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="RESTRICT"))
    generation: Mapped[int] = mapped_column(Integer())
    secret: Mapped[str] = mapped_column(String(64))  # base64url of 32 random bytes
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Revocation(Base):
    """A pass no gate may accept any more. `seq` is the feed's monotonic cursor."""

    __tablename__ = "revocations"

    seq: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    pass_id: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class FeedLock(Base):
    """Writers of a cursor-ordered feed take this row's lock first, so rows commit in `seq` order and a
    reader that got up to cursor N can never miss a row numbered below N that committed later."""

    __tablename__ = "feed_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer(), default=0)


class IssuedPass(Base):
    """A pass issued for a confirmed booking. Reissuing revokes the previous one first."""

    __tablename__ = "passes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), index=True)
    kid: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(String(400))
    valid_from: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    party_size: Mapped[int] = mapped_column(Integer())
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
