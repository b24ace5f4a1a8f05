"""The campaign audit log: one append-only row per transition, read by staff.

It stays the campaign's own, complete story (members' applications, offers, lapses). The transitions staff
make (create, change, close, commit, draw) are also written to the audit log of every staff action
(``accounts.audit``), in the same transaction, so "everything this person did" reads in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from accounts.audit import log as staff_log
from accounts.domain.audit import Actor, AuditKind, Subject
from booking.campaigns.models import Campaign, CampaignEvent

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
    "reminded",  # an open offer's member told its deadline is a day away (``settle.REMINDER_NOTICE``)
    "open_sale",
)
# The transitions staff make, and their kind in the log of every staff action.
STAFF_EVENTS = {
    "created": AuditKind.CAMPAIGN_CREATED,
    "changed": AuditKind.CAMPAIGN_CHANGED,
    "closed": AuditKind.CAMPAIGN_CLOSED,
    "committed": AuditKind.CAMPAIGN_COMMITTED,
    "drawn": AuditKind.CAMPAIGN_DRAWN,
    "open_sale": AuditKind.CAMPAIGN_OPEN_SALE,
}


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
    if event in STAFF_EVENTS and actor != SYSTEM:
        # Campaign actors are kept by username (the campaign log's own convention): no account id here.
        who = Actor(actor, "staff")
        # Staff know a campaign by its code; the use cases that log a transition have it loaded.
        campaign = session.identity_map.get(identity_key(Campaign, campaign_id))
        subject = Subject("campaign", campaign.code if isinstance(campaign, Campaign) else str(campaign_id))
        staff_log.record(session, who, STAFF_EVENTS[event], subject, now, after=detail)


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
