"""The campaign audit log: one append-only row per transition, read by staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.campaigns.models import CampaignEvent

SYSTEM = "system"
EVENTS = (
    "created",
    "changed",
    "applied",
    "edited",
    "withdrawn",
    "closed",
    "committed",
    "drawn",
    "offered",
    "paid",
    "lapsed",
    "declined",
    "cancelled",
    "not_offered",
)


def record(
    session: AsyncSession,
    campaign_id: int,
    event: str,
    actor: str,
    now: datetime,
    application: str | None = None,
    **detail: Any,
) -> None:
    assert event in EVENTS, event  # a typo here would be a silent hole in the log
    session.add(
        CampaignEvent(
            campaign_id=campaign_id, at=now, event=event, actor=actor, application=application, detail=detail
        )
    )


def row(
    campaign_id: int, event: str, actor: str, now: datetime, application: str | None, detail: dict[str, Any]
) -> dict[str, Any]:
    """The same entry as ``record``, as a row for a bulk insert."""
    assert event in EVENTS, event
    return {
        "campaign_id": campaign_id,
        "at": now,
        "event": event,
        "actor": actor,
        "application": application,
        "detail": detail,
    }


async def events(
    session: AsyncSession,
    campaign_id: int,
    *,
    event: str | None,
    application: str | None,
    limit: int,
    offset: int,
) -> list[CampaignEvent]:
    query = select(CampaignEvent).where(CampaignEvent.campaign_id == campaign_id)
    if event:
        query = query.where(CampaignEvent.event == event)
    if application:
        query = query.where(CampaignEvent.application == application)
    return list(await session.scalars(query.order_by(CampaignEvent.id).limit(limit).offset(offset)))
