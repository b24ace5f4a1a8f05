"""Offers on the database: each offer holds a real unit (a ``held`` booking until the payment deadline),
so that the ordinary checkout confirms it; an offer unpaid at its deadline, declined, or paid and then
cancelled frees its unit for the next on that slot's waiting list (``next_offer_after_lapse``); settling
(``booking.campaigns.settle``) finds those.

Holding takes the unit-type lock of ``booking.locks`` first, like any hold, and writes the nights last;
settling takes the campaign's lock first, so that two workers never offer the same freed unit twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import repository as repo
from booking.campaigns import audit
from booking.campaigns.models import Campaign, CampaignApplication, CampaignEvent, CampaignOffer, WaitingPlace
from booking.campaigns.services import (
    closed_during,
    rotations_of,
)
from booking.domain import states
from booking.domain.allocation import (
    AllocationResult,
    Offer,
    OfferBook,
    Slot,
    WaitingEntry,
    next_offer_after_lapse,
)
from booking.domain.allocation import Campaign as Supply
from booking.domain.campaign_states import OfferStatus
from booking.locks import lock_unit_type
from booking.models import Booking
from inventory.models import Rotation, StayNight
from inventory.snapshot import CentreView, UnitTypeView, centre_view
from kernel.codes import ErrorCode
from kernel.errors import Conflict

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class NewOffer:
    application: CampaignApplication
    slot: Slot
    choice_rank: int
    replaces: str | None = None  # the public id whose lapsed, declined or cancelled offer freed the unit
    freed_because: str | None = None  # what became of that offer: lapsed, declined or cancelled


@dataclass(slots=True)
class Settled:
    paid: int = 0
    lapsed: int = 0
    declined: int = 0
    cancelled: int = 0  # paid, then the booking was cancelled
    offered: int = 0
    new_offers: list[str] = field(default_factory=list)

    def add(self, other: Settled) -> None:
        self.paid += other.paid
        self.lapsed += other.lapsed
        self.declined += other.declined
        self.cancelled += other.cancelled
        self.offered += other.offered
        self.new_offers += other.new_offers


def supply_of(campaign: Campaign) -> Supply:
    """The campaign's slots as the allocation rules read them."""
    slots = [(Slot(s["centre"], s["rotation"], s["unit_type"]), s) for s in campaign.slots]
    return Supply(
        units={slot: int(s["units"]) for slot, s in slots},
        reserved={slot: dict(s["reserved"]) for slot, s in slots if s["reserved"]},
    )


# --- holding offered units -------------------------------------------------------------------------


@dataclass(slots=True)
class Held:
    """What ``hold_offers`` did: the public ids offered, and the offers it could not hold (their
    rotation has begun, or no unit of the type is free for its nights any more), with the reason."""

    offered: list[str] = field(default_factory=list)
    unheld: list[tuple[NewOffer, ErrorCode]] = field(default_factory=list)


async def hold_offers(
    session: AsyncSession,
    campaign: Campaign,
    pending: Sequence[NewOffer],
    now: datetime,
    progress: Progress | None = None,
) -> Held:
    """One held booking per offer, on a unit free for the rotation's nights, until the payment deadline
    (never later than the arrival). Rows are written in bulk statements: a draw holds hundreds of units.

    ``progress`` advances by two per offer: one when it is planned, one as the rows are written."""
    validity = timedelta(hours=campaign.offer_validity_hours)
    rotations = {rotation.code: rotation for rotation in await rotations_of(session, campaign.season_id)}
    by_type: dict[tuple[str, str], list[NewOffer]] = defaultdict(list)
    for item in pending:
        by_type[(item.slot.centre, item.slot.unit_type)].append(item)
    rows: dict[type, list[dict[str, Any]]] = {
        Booking: [],
        StayNight: [],
        CampaignOffer: [],
        CampaignEvent: [],
    }
    held = Held()
    for (centre_code, type_code), items in sorted(by_type.items()):
        await lock_unit_type(session, centre_code, type_code)
        centre = await centre_view(session, centre_code)
        unit_type = centre.unit_type(type_code)
        free = _FreeUnits(session, centre, unit_type, now)
        for item in items:
            rotation = rotations[item.slot.rotation]
            arrival = datetime.combine(rotation.starts_on, centre.arrival_time, ZoneInfo(centre.time_zone))
            unit_id = await free.take(rotation.starts_on, rotation.ends_on) if arrival > now else None
            if unit_id is None:
                reason = ErrorCode.ROTATION_BEGUN if arrival <= now else ErrorCode.NO_FREE_UNIT
                held.unheld.append((item, reason))
                continue
            deadline = min(now + validity, arrival)
            booking = _summer_hold(campaign, centre, unit_type, item, rotation, unit_id, deadline, now)
            rows[Booking].append(booking)
            rows[StayNight] += _nights(booking, deadline)
            rows[CampaignOffer].append(_offer_row(campaign, item, booking["id"], deadline, now))
            rows[CampaignEvent].append(_offered_event(campaign, item, booking["id"], deadline, now))
            held.offered.append(item.application.public_id)
            if progress is not None:
                progress(1)
    written = _Written(sum(len(values) for values in rows.values()), len(pending), progress)
    for model, values in rows.items():  # parents first: bookings, their nights, the offers naming them
        for start in range(0, len(values), 2000):
            await session.execute(insert(model), values[start : start + 2000])
            written.add(len(values[start : start + 2000]))
    written.add(0)
    return held


@dataclass(slots=True)
class _Written:
    """The writing half of ``hold_offers``' progress: ``share`` steps spread over the rows as written."""

    rows: int
    share: int
    progress: Progress | None
    done: int = 0
    reported: int = 0

    def add(self, rows: int) -> None:
        self.done += rows
        due = self.share if self.done >= self.rows else self.share * self.done // self.rows
        if self.progress is not None and due > self.reported:
            self.progress(due - self.reported)
        self.reported = max(self.reported, due)


def _nights(booking: dict[str, Any], deadline: datetime) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": booking["unit_id"],
            "unit_type_id": booking["unit_type_id"],
            "night": booking["arrival"] + timedelta(days=i),
            "booking_id": booking["id"],
            "category": booking["category"],
            "guests": booking["guests"],
            "hold_expires_at": deadline,
        }
        for i in range((booking["departure"] - booking["arrival"]).days)
    ]


def _offer_row(
    campaign: Campaign, item: NewOffer, booking_id: uuid.UUID, deadline: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "application_id": item.application.id,
        "centre": item.slot.centre,
        "rotation": item.slot.rotation,
        "unit_type": item.slot.unit_type,
        "choice_rank": item.choice_rank,
        "status": OfferStatus.OFFERED,
        "booking_id": booking_id,
        "offered_at": now,
        "payment_deadline": deadline,
        "settled_at": None,
    }


def _offered_event(
    campaign: Campaign, item: NewOffer, booking_id: uuid.UUID, deadline: datetime, now: datetime
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "slot": str(item.slot),
        "choice_rank": item.choice_rank,
        "payment_deadline": deadline.isoformat(),
        "booking_id": str(booking_id),
    }
    if item.replaces:
        detail["after"] = item.replaces
        detail["freed_because"] = item.freed_because
    return audit.row(campaign.id, "offered", audit.SYSTEM, now, item.application.public_id, detail)


class _FreeUnits:
    """Units of one type free for a rotation, read once per rotation and then kept as offers take them."""

    def __init__(
        self, session: AsyncSession, centre: CentreView, unit_type: UnitTypeView, now: datetime
    ) -> None:
        self.session, self.centre, self.unit_type, self.now = session, centre, unit_type, now
        self.taken: dict[tuple[date, date], set[int]] = {}

    async def take(self, first: date, end: date) -> int | None:
        """A unit free for these nights, now taken; None when none is left."""
        taken = self.taken.get((first, end))
        if taken is None:
            taken = await self._taken(first, end)
            self.taken[(first, end)] = taken
        for unit_id in self.unit_type.unit_ids:
            if unit_id not in taken and not closed_during(self.centre, unit_id, first, end):
                taken.add(unit_id)
                return unit_id
        return None

    async def _taken(self, first: date, end: date) -> set[int]:
        await repo.clear_expired_nights(self.session, self.unit_type.id, first, end, self.now)
        rows = await self.session.scalars(
            select(StayNight.unit_id)
            .where(
                StayNight.unit_type_id == self.unit_type.id,
                StayNight.night >= first,
                StayNight.night < end,
            )
            .distinct()
        )
        return set(rows)


def _summer_hold(
    campaign: Campaign,
    centre: CentreView,
    unit_type: UnitTypeView,
    item: NewOffer,
    rotation: Rotation,
    unit_id: int,
    deadline: datetime,
    now: datetime,
) -> dict[str, Any]:
    category = item.application.category or "active"
    tariff = centre.tariffs.get((campaign.season_id, unit_type.id, category))
    if tariff is None:
        raise Conflict(
            ErrorCode.NO_TARIFF, f"no summer tariff for {unit_type.code} at {centre.code} ({category})"
        )
    nights = (rotation.ends_on - rotation.starts_on).days
    total = tariff.amount_minor * nights
    return {
        "id": uuid.uuid4(),
        "member_id": item.application.member_id,
        "centre_id": centre.id,
        "unit_type_id": unit_type.id,
        "unit_id": unit_id,
        "season_id": campaign.season_id,
        "arrival": rotation.starts_on,
        "departure": rotation.ends_on,
        "guests": item.application.party_size,
        "category": category,
        "status": states.HELD,
        "hold_expires_at": deadline,
        "created_at": now,
        "currency": tariff.currency,
        "subtotal_minor": total,
        "discount_minor": 0,
        "total_minor": total,
        "nightly_minor": [tariff.amount_minor] * nights,
        "confirmed_at": None,
        "cancelled_at": None,
        "promotion_id": None,
        "promotion_name": None,
        "refund_minor": None,
        "cancelled_by": None,
        "member_notice": None,
    }


# --- the next in line -----------------------------------------------------------------------------


async def reoffer(
    session: AsyncSession, campaign: Campaign, freed: Sequence[tuple[CampaignOffer, str]], now: datetime
) -> list[str]:
    """Offer each freed unit by the draw's rule (``next_offer_after_lapse``), in the order they were freed.
    A unit that nobody can be offered stays free, and the log says why (``not_offered``)."""
    supply = supply_of(campaign)
    book = await _offer_book(session, campaign, {offer.id for offer, _p in freed})
    result = await _waiting_lists(session, campaign, {_slot(offer) for offer, _p in freed})
    pending: list[tuple[Offer, CampaignOffer, str]] = []
    for freed_offer, public_id in freed:
        book, offer = next_offer_after_lapse(supply, result, book, public_id)
        if offer is not None:
            pending.append((offer, freed_offer, public_id))
        else:
            audit.record(
                session, campaign.id, "not_offered", audit.SYSTEM, now, None, slot=str(_slot(freed_offer)),
                reason="nobody_waiting", after=public_id, freed_because=freed_offer.status,
            )  # fmt: skip
    if not pending:
        return []
    applications = {
        application.public_id: application
        for application in await session.scalars(
            select(CampaignApplication).where(
                CampaignApplication.campaign_id == campaign.id,
                CampaignApplication.public_id.in_([offer.application_id for offer, _f, _p in pending]),
            )
        )
    }
    held = await hold_offers(
        session,
        campaign,
        [
            NewOffer(applications[o.application_id], o.slot, o.choice_rank, replaces, freed_offer.status)
            for o, freed_offer, replaces in pending
        ],
        now,
    )
    for item, reason in held.unheld:  # the unit stays free; the log says why nobody was offered it
        audit.record(
            session, campaign.id, "not_offered", audit.SYSTEM, now, item.application.public_id,
            slot=str(item.slot), reason=reason, after=item.replaces, freed_because=item.freed_because,
        )  # fmt: skip
    return held.offered


def _slot(offer: CampaignOffer) -> Slot:
    return Slot(offer.centre, offer.rotation, offer.unit_type)


async def _offer_book(session: AsyncSession, campaign: Campaign, freed_offer_ids: set[int]) -> OfferBook:
    """Live offers (offered or paid, and the ones being withdrawn now, which ``next_offer_after_lapse``
    withdraws one by one) and the applications withdrawn earlier, who may not be offered again."""
    rows = await session.execute(
        select(CampaignOffer, CampaignApplication.public_id, CampaignApplication.category)
        .join(CampaignApplication, CampaignApplication.id == CampaignOffer.application_id)
        .where(CampaignOffer.campaign_id == campaign.id)
    )
    live: dict[str, Offer] = {}
    withdrawn: set[str] = set()
    for offer, public_id, category in rows.tuples():
        if offer.status in {OfferStatus.OFFERED, OfferStatus.PAID} or offer.id in freed_offer_ids:
            live[public_id] = Offer(public_id, category or "", _slot(offer), offer.choice_rank)
        else:
            withdrawn.add(public_id)
    return OfferBook(live, frozenset(withdrawn - live.keys()))


async def _waiting_lists(session: AsyncSession, campaign: Campaign, slots: set[Slot]) -> AllocationResult:
    lists: dict[Slot, list[WaitingEntry]] = defaultdict(list)
    for slot in slots:
        rows = await session.execute(
            select(CampaignApplication.public_id, CampaignApplication.category, WaitingPlace.choice_rank)
            .join(CampaignApplication, CampaignApplication.id == WaitingPlace.application_id)
            .where(
                WaitingPlace.campaign_id == campaign.id,
                WaitingPlace.centre == slot.centre,
                WaitingPlace.rotation == slot.rotation,
                WaitingPlace.unit_type == slot.unit_type,
            )
            .order_by(WaitingPlace.position)
        )
        lists[slot] = [
            WaitingEntry(public_id, category or "", rank) for public_id, category, rank in rows.tuples()
        ]
    return AllocationResult(order=(), offers={}, waiting_lists={slot: tuple(e) for slot, e in lists.items()})
