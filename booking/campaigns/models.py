"""Persistence of summer campaigns: the campaign, applications, waiting lists, offers and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.domain.campaign_states import ApplicationStatus, CampaignStatus, OfferStatus
from kernel.db import Base


class Campaign(Base):
    """One summer season's allocation. ``slots`` is the supply, fixed when the campaign is set:
    ``[{"centre", "rotation", "unit_type", "units", "reserved": {category: units}}]``.

    The lottery's two seeds are kept here, secret, until the draw reveals them: the opening seed
    (``seed_hex``) from the campaign's creation, the close seed (``close_seed_hex``) from the close;
    only their commitments are published before (``booking.domain.allocation.lottery``). The published
    inputs and results are stored as published, so that what anyone downloads never changes; they are
    megabytes at full size, so they are loaded only by the statements that ask for them (reading them off
    a loaded campaign raises)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed', 'drawn')", name="campaign_status"),
        CheckConstraint("offer_validity_hours >= 1", name="campaign_offer_validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.OPEN)
    applications_close_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    offer_validity_hours: Mapped[int] = mapped_column(Integer())
    reserved_percent: Mapped[dict[str, int]] = mapped_column(JSON())
    weights: Mapped[dict[str, int]] = mapped_column(JSON())
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON())
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    drawn_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    seed_hex: Mapped[str | None] = mapped_column(String(64))
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    # Drawn by the close (migration 0016; a campaign closed before has none, its inputs are format 1).
    close_seed_hex: Mapped[str | None] = mapped_column(String(64))
    close_seed_commitment: Mapped[str | None] = mapped_column(String(64))
    applications_digest: Mapped[str | None] = mapped_column(String(64))
    published_inputs: Mapped[str | None] = mapped_column(Text(), deferred=True, deferred_raiseload=True)
    published_results: Mapped[str | None] = mapped_column(Text(), deferred=True, deferred_raiseload=True)
    # The same rows as ``published_results``, as compact JSON, written by the draw (served as is).
    published_results_json: Mapped[str | None] = mapped_column(Text(), deferred=True, deferred_raiseload=True)


class CampaignApplication(Base):
    """A member's application: one per member and campaign; ``public_id`` is what the draw publishes.

    ``category`` and ``score`` are frozen from the member record when applications close."""

    __tablename__ = "campaign_applications"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id"),
        CheckConstraint("status IN ('submitted', 'withdrawn')", name="application_status"),
        CheckConstraint("party_size >= 1", name="application_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.SUBMITTED)
    party_size: Mapped[int] = mapped_column(Integer())
    # [[centre, rotation, unit_type], ...] in the member's order of preference.
    choices: Mapped[list[list[str]]] = mapped_column(JSON())
    category: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[int | None] = mapped_column(Integer())
    position: Mapped[int | None] = mapped_column(Integer())
    lottery_rank: Mapped[int | None] = mapped_column(Integer())
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class WaitingPlace(Base):
    """A place on one slot's waiting list, as the draw published it (1 = first in line)."""

    __tablename__ = "campaign_waiting"
    __table_args__ = (
        UniqueConstraint("application_id", "centre", "rotation", "unit_type"),
        Index("ix_campaign_waiting_slot", "campaign_id", "centre", "rotation", "unit_type", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("campaign_applications.id", ondelete="CASCADE"))
    centre: Mapped[str] = mapped_column(String(32))
    rotation: Mapped[str] = mapped_column(String(32))
    unit_type: Mapped[str] = mapped_column(String(32))
    choice_rank: Mapped[int] = mapped_column(Integer())
    position: Mapped[int] = mapped_column(Integer())


class CampaignOffer(Base):
    """An offer of a slot to an application, made by the draw or after a lapse; its unit is held by
    ``booking_id`` until ``payment_deadline``. ``cancelled``: paid, then its booking was cancelled."""

    __tablename__ = "campaign_offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('offered', 'paid', 'lapsed', 'declined', 'cancelled')", name="offer_status"
        ),
        Index("ix_campaign_offers_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_applications.id", ondelete="CASCADE"), index=True
    )
    centre: Mapped[str] = mapped_column(String(32))
    rotation: Mapped[str] = mapped_column(String(32))
    unit_type: Mapped[str] = mapped_column(String(32))
    choice_rank: Mapped[int] = mapped_column(Integer())
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OFFERED)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    payment_deadline: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class CampaignEvent(Base):
    """The audit log: every transition of a campaign, an application or an offer, append-only."""

    __tablename__ = "campaign_events"
    __table_args__ = (Index("ix_campaign_events_campaign_id", "campaign_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    event: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    application: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
