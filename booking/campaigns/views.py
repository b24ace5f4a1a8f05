"""What readers see of a campaign and of an application, and the public files of a draw."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from booking import repository as repo
from booking.campaigns import commands as c
from booking.campaigns import schemas as s
from booking.campaigns.models import Campaign, CampaignApplication, CampaignEvent, CampaignOffer, WaitingPlace
from booking.campaigns.services import campaign_by_code, count_applications, rotations_of
from booking.domain import states
from booking.domain.allocation.publication import ReofferRow, reoffers_to_csv, rows_from_csv, rows_to_json
from booking.domain.campaign_states import ApplicationStatus, CampaignStatus, OfferStatus
from booking.models import Booking
from inventory.models import Season
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound


async def campaign_out(session: AsyncSession, campaign: Campaign) -> s.CampaignOut:
    season = await session.get(Season, campaign.season_id)
    return s.CampaignOut(
        code=campaign.code,
        season=season.code if season else campaign.code,
        status=campaign.status,
        applications_close_at=campaign.applications_close_at,
        offer_validity_hours=campaign.offer_validity_hours,
        reserved_percent=campaign.reserved_percent,
        weights=campaign.weights,
        rotations=[
            s.RotationOut(r.code, r.starts_on, r.ends_on)
            for r in await rotations_of(session, campaign.season_id)
        ],
        slots=[
            s.SlotOut(
                slot["centre"],
                slot["rotation"],
                slot["unit_type"],
                slot["units"],
                slot["reserved"],
                slot["capacity"],
            )
            for slot in campaign.slots
        ],
        applications=await count_applications(session, campaign.id),
        seed_commitment=campaign.seed_commitment,
        applications_digest=campaign.applications_digest,
        close_seed_commitment=campaign.close_seed_commitment,
        closed_at=campaign.closed_at,
        drawn_at=campaign.drawn_at,
    )


async def application_out(
    session: AsyncSession, campaign: Campaign, application: CampaignApplication, now: datetime
) -> s.ApplicationOut:
    out = s.ApplicationOut(
        campaign=campaign.code,
        public_id=application.public_id,
        status=application.status,
        party_size=application.party_size,
        choices=[c.ChoiceIn(*choice) for choice in application.choices],
        submitted_at=application.submitted_at,
        updated_at=application.updated_at,
        editable_until=campaign.applications_close_at,
        category=application.category,
        score=application.score,
        position=application.position,
        lottery_rank=application.lottery_rank,
    )
    if campaign.status != CampaignStatus.DRAWN or application.status != ApplicationStatus.SUBMITTED:
        return out
    offer = await _latest_offer(session, application.id, now)
    if offer is not None:
        out.offer = offer
        out.result = "offer" if offer.status in {OfferStatus.OFFERED, OfferStatus.PAID} else offer.status
        return out
    out.result = "waiting"
    out.waiting = await _live_places(session, application.id)
    return out


async def _live_places(session: AsyncSession, application_id: int) -> list[s.WaitingOut]:
    """Each place the application holds on a waiting list: as published by the draw, and now, counting
    only those ahead who still wait (holding no offer, never offered: an applicant offered a unit since
    the draw, or who lapsed or declined one, waits nowhere any more)."""
    ahead = aliased(WaitingPlace)
    still_waiting_ahead = (
        select(func.count())
        .select_from(ahead)
        .where(
            ahead.campaign_id == WaitingPlace.campaign_id,
            ahead.centre == WaitingPlace.centre,
            ahead.rotation == WaitingPlace.rotation,
            ahead.unit_type == WaitingPlace.unit_type,
            ahead.position < WaitingPlace.position,
            ~exists().where(CampaignOffer.application_id == ahead.application_id),
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(WaitingPlace, still_waiting_ahead)
        .where(WaitingPlace.application_id == application_id)
        .order_by(WaitingPlace.choice_rank)
    )
    return [
        s.WaitingOut(p.centre, p.rotation, p.unit_type, p.choice_rank, ahead_count + 1, p.position)
        for p, ahead_count in rows.tuples()
    ]


async def _latest_offer(session: AsyncSession, application_id: int, now: datetime) -> s.OfferOut | None:
    """The application's last offer, its status read from its booking (paid, lapsed, declined or
    cancelled show at once, before a settle round records them)."""
    row = (
        await session.execute(
            select(CampaignOffer, Booking.status, Booking.hold_expires_at, Booking.confirmed_at)
            .outerjoin(Booking, Booking.id == CampaignOffer.booking_id)
            .where(CampaignOffer.application_id == application_id)
            .order_by(CampaignOffer.id.desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    offer, stored, expires, confirmed_at = row
    status = offer.status
    if status in {OfferStatus.OFFERED, OfferStatus.PAID}:
        current = states.EXPIRED if stored is None else states.effective_status(stored, expires, now)
        if current in repo.LIVE_STATES:
            status = OfferStatus.PAID
        elif current == states.CANCELLED:
            status = OfferStatus.CANCELLED if confirmed_at is not None else OfferStatus.DECLINED
        elif current == states.EXPIRED and status == OfferStatus.OFFERED:
            status = OfferStatus.LAPSED
    return s.OfferOut(
        centre=offer.centre,
        rotation=offer.rotation,
        unit_type=offer.unit_type,
        choice_rank=offer.choice_rank,
        status=status,
        offered_at=offer.offered_at,
        payment_deadline=offer.payment_deadline,
        booking_id=offer.booking_id,
    )


async def published_inputs(session: AsyncSession, code: str) -> str:
    inputs = await _published(session, code, Campaign.published_inputs)
    if inputs is None:
        raise Conflict(ErrorCode.NOT_CLOSED, f"the inputs of {code} are published when applications close")
    return inputs


async def published_results(session: AsyncSession, code: str, output_format: str) -> str:
    """The results as the draw stored them; only a campaign drawn before the JSON was stored (migration
    0013) has its JSON made from the CSV, in a thread so that the event loop keeps serving."""
    column = Campaign.published_results if output_format == "csv" else Campaign.published_results_json
    results = await _published(session, code, column)
    if results is None and output_format != "csv":
        csv_text = await _published(session, code, Campaign.published_results)
        if csv_text is not None:
            results = await asyncio.to_thread(lambda: rows_to_json(rows_from_csv(csv_text)))
    if results is None:
        raise Conflict(ErrorCode.NOT_DRAWN, f"the results of {code} are published after the draw")
    return results


async def published_reoffers(session: AsyncSession, code: str) -> str:
    """``offers.csv``: every unit freed after the draw, in order, and whom it was offered to (or why
    nobody), from the audit log's ``offered`` (those naming the offer they replace) and ``not_offered``."""
    campaign = await campaign_by_code(session, code)
    if campaign.status != CampaignStatus.DRAWN:
        raise Conflict(ErrorCode.NOT_DRAWN, f"the offers of {code} are published after the draw")
    entries = list(
        await session.scalars(
            select(CampaignEvent)
            .where(CampaignEvent.campaign_id == campaign.id, CampaignEvent.event.in_(_FREEING_AND_AFTER))
            .order_by(CampaignEvent.id)
        )
    )
    # Units are offered again in the order they were freed (a round writes its entries grouped by unit
    # type): each row sorts by the entry that freed its unit, the last one of that application before it
    # (an application may free a unit twice: lapsed, paid late after all, then cancelled).
    freeings: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        if entry.event in _FREEING and entry.application:
            freeings[entry.application].append(entry.id)
    after = [e for e in entries if e.event not in _FREEING and e.detail.get("after")]
    after.sort(key=lambda entry: (_freed_by_entry(freeings, entry), entry.id))
    return reoffers_to_csv([_reoffer(number, entry) for number, entry in enumerate(after, start=1)])


def _freed_by_entry(freeings: dict[str, list[int]], entry: CampaignEvent) -> int:
    """The id of the entry that freed the unit ``entry`` re-offers (ids ascend, as the log is read)."""
    earlier = freeings.get(str(entry.detail["after"]), [])
    found = bisect_left(earlier, entry.id)
    return earlier[found - 1] if found else entry.id


_FREEING = ("lapsed", "declined", "cancelled")
_FREEING_AND_AFTER = (*_FREEING, "offered", "not_offered")


def _reoffer(number: int, entry: CampaignEvent) -> ReofferRow:
    centre, rotation, unit_type = str(entry.detail["slot"]).split("/")
    offered = entry.event == "offered"
    return ReofferRow(
        number=number,
        at=entry.at.isoformat(),
        centre=centre,
        rotation=rotation,
        unit_type=unit_type,
        freed_by=entry.detail.get("after") or "",
        freed_because=entry.detail.get("freed_because") or "",
        result="offer" if offered else str(entry.detail.get("reason", "")),
        application_id=entry.application or "",
        choice_rank=entry.detail.get("choice_rank") if offered else None,
    )


async def _published(session: AsyncSession, code: str, column: Any) -> str | None:
    """One stored file of the campaign, read alone (the campaign row's other files are megabytes too)."""
    row = (await session.execute(select(column).where(Campaign.code == code))).one_or_none()
    if row is None:
        raise NotFound(ErrorCode.CAMPAIGN_NOT_FOUND, f"no campaign {code!r}")
    value: str | None = row[0]
    return value
