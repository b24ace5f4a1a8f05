"""What the booking package holds about a member, for their own copy of it (law 09-08): their bookings
with the party they named, their ratings and reminders, their summer applications with the offers and
waiting-list places they got."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.campaigns.models import Campaign, CampaignApplication, CampaignOffer, WaitingPlace
from booking.models import Booking, PartyMember
from booking.ratings import StayRating
from booking.reminders import Reminder
from inventory.models import Centre, Unit, UnitType
from kernel.db import columns_of


async def _bookings(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Booking, Centre.code, UnitType.code, Unit.number)
        .join(Centre, Centre.id == Booking.centre_id)
        .join(UnitType, UnitType.id == Booking.unit_type_id)
        .join(Unit, Unit.id == Booking.unit_id)
        .where(Booking.member_id == member_id)
        .order_by(Booking.created_at)
    )
    found = [(booking, centre, unit_type, unit) for booking, centre, unit_type, unit in rows]
    parties = await session.scalars(
        select(PartyMember)
        .where(PartyMember.booking_id.in_([b.id for b, *_ in found]))
        .order_by(PartyMember.position)
    )
    named: dict[Any, list[dict[str, Any]]] = {}
    for person in parties:
        named.setdefault(person.booking_id, []).append(
            columns_of(person, leaving_out={"id", "booking_id", "position"})
        )
    return [
        {
            **columns_of(b, leaving_out={"member_id", "centre_id", "unit_type_id", "unit_id", "season_id"}),
            "centre": centre,
            "unit_type": unit_type,
            "unit": unit,
            "party": named.get(b.id, []),
        }
        for b, centre, unit_type, unit in found
    ]


async def _applications(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(CampaignApplication, Campaign.code)
        .join(Campaign, Campaign.id == CampaignApplication.campaign_id)
        .where(CampaignApplication.member_id == member_id)
        .order_by(CampaignApplication.id)
    )
    applications = []
    for application, campaign in rows:
        offers = await session.scalars(
            select(CampaignOffer).where(CampaignOffer.application_id == application.id)
        )
        places = await session.scalars(
            select(WaitingPlace).where(WaitingPlace.application_id == application.id)
        )
        leaving_out = {"id", "campaign_id", "application_id"}
        applications.append(
            {
                **columns_of(application, leaving_out={"id", "campaign_id", "member_id"}),
                "campaign": campaign,
                "offers": [columns_of(o, leaving_out=leaving_out) for o in offers],
                "waiting_places": [columns_of(p, leaving_out=leaving_out) for p in places],
            }
        )
    return applications


async def sections(session: AsyncSession, member_id: int) -> dict[str, Any]:
    ratings = await session.scalars(select(StayRating).where(StayRating.member_id == member_id))
    reminders = await session.scalars(
        select(Reminder).where(Reminder.member_id == member_id).order_by(Reminder.id)
    )
    return {
        "bookings": await _bookings(session, member_id),
        "ratings": [columns_of(r, leaving_out={"member_id", "centre_id"}) for r in ratings],
        "reminders": [columns_of(r, leaving_out={"id", "member_id"}) for r in reminders],
        "summer_applications": await _applications(session, member_id),
    }
