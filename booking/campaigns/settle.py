"""Settling a drawn campaign's offers: what their bookings say now, recorded on the offers and in the log.

An offer's booking tells what became of it: paid (confirmed, or any later state of a stay), unpaid past
its deadline (the hold expired: the offer lapses), cancelled while held (declined), or cancelled after it
was paid (the offer is ``cancelled``). Settling records each with the time it happened (the payment's,
the cancellation's), keeps the member's last summer stay, which the next season's score reads, in step
with the stays paid, and offers every freed unit to the next in line (``offers.reoffer``).

Idempotent: a second run at the same instant changes nothing, and two runs at once (the worker and the
staff) take turns on the campaign's lock.

Lock order. Holds lock a member's row, then a unit type (``booking.locks``); a settle round locks the
rows of the members it records stays for (its flush), then unit types (the re-offers). Settling two
campaigns in one transaction would lock the second campaign's members while holding the first one's unit
types, the reverse order, and PostgreSQL could deadlock it with a hold: so the worker settles each
campaign in its own transaction (``settle_all``), and the staff settle one (``settle``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.models import Member
from booking import repository as repo
from booking import services as bookings
from booking.campaigns import audit
from booking.campaigns.events import OfferDeadlinesNear, OffersLapsed, OffersMade
from booking.campaigns.models import Campaign, CampaignApplication, CampaignEvent, CampaignOffer
from booking.campaigns.offers import Settled, reoffer
from booking.campaigns.services import campaign_by_code, lock_campaigns, own_application
from booking.domain import states
from booking.domain.campaign_states import CampaignStatus, OfferStatus
from booking.locks import end_lock_free_read
from booking.models import Booking
from inventory.models import Season
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound
from kernel.uow import UnitOfWork

# The member's last summer stay before this one, kept in the ``paid`` entry so that a cancelled stay
# gives it back.
STAY_BEFORE = "last_summer_stay_year_before"
_CHUNK = 2000
# An open offer's member is reminded this long before its payment deadline, once (the log's
# ``reminded``), when the offer was open longer than that.
REMINDER_NOTICE = timedelta(hours=24)


async def settle(uow: UnitOfWork, now: datetime, code: str) -> Settled:
    """One drawn campaign's offers brought up to date with their bookings."""
    async with uow:
        session = uow.session
        locked = await lock_campaigns(session, code=code, drawn_only=True)
        if not locked:
            campaign = await campaign_by_code(session, code)  # 404 for an unknown code
            raise Conflict(
                ErrorCode.NOT_DRAWN, f"{code} is {campaign.status}; offers are settled after the draw"
            )
        done = await _settle_campaign(session, await _campaign(session, locked[0]), now)
        tell(uow, done, now)
        await uow.commit()
        return done


async def settle_all(uow: UnitOfWork, now: datetime) -> Settled:
    """Every drawn campaign settled, each in its own transaction (see the lock order)."""
    async with uow:
        done = Settled()
        for code in await _drawn_campaigns(uow):
            done.add(await _settle_one(uow, code, now))
        return done


async def _drawn_campaigns(uow: UnitOfWork) -> list[str]:
    session = uow.session
    codes = list(
        await session.scalars(
            select(Campaign.code).where(Campaign.status == CampaignStatus.DRAWN).order_by(Campaign.id)
        )
    )
    await end_lock_free_read(session)  # SQLite: the campaign's lock must be its unit of work's first write
    return codes


async def _settle_one(uow: UnitOfWork, code: str, now: datetime) -> Settled:
    locked = await lock_campaigns(uow.session, code=code, drawn_only=True)
    done = (
        await _settle_campaign(uow.session, await _campaign(uow.session, locked[0]), now)
        if locked
        else Settled()
    )
    tell(uow, done, now)
    await uow.commit()
    return done


def tell(uow: UnitOfWork, done: Settled, now: datetime) -> None:
    """The round's offers made, lapsed and near their deadline, as events (the members' messages)."""
    if done.offer_bookings:
        uow.record(OffersMade(occurred_at=now, booking_ids=tuple(done.offer_bookings)))
    if done.lapsed_bookings:
        uow.record(OffersLapsed(occurred_at=now, booking_ids=tuple(done.lapsed_bookings)))
    if done.reminded_bookings:
        uow.record(OfferDeadlinesNear(occurred_at=now, booking_ids=tuple(done.reminded_bookings)))


async def settle_job(uow: UnitOfWork, now: datetime) -> int:
    """The worker's round: settle every drawn campaign; the number of offers changed or made."""
    done = await settle_all(uow, now)
    return done.paid + done.lapsed + done.declined + done.cancelled + done.offered


async def _campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    query = select(Campaign).where(Campaign.id == campaign_id).execution_options(populate_existing=True)
    return (await session.scalars(query)).one()


@dataclass(frozen=True, slots=True)
class _Seen:
    """An open or paid offer and what its booking says now."""

    offer: CampaignOffer
    public_id: str
    member_id: int
    current: str  # the booking's effective status; "expired" when the booking is gone
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None


class _Settling:
    """One campaign's settle round: the entries it writes and the units it frees."""

    def __init__(self, session: AsyncSession, campaign: Campaign, summer: int, now: datetime) -> None:
        self.session, self.campaign, self.summer, self.now = session, campaign, summer, now
        self.done = Settled()
        self.freed: list[tuple[CampaignOffer, str]] = []
        self.members: dict[int, Member] = {}
        self.stay_before: dict[str, int | None] = {}

    def paid(self, seen: _Seen, **detail: Any) -> None:
        """Paid: stamped with the payment's time; the summer becomes the member's last summer stay."""
        offer = seen.offer
        offer.status, offer.settled_at = OfferStatus.PAID, self.now
        member = self.members[seen.member_id]
        before = member.last_summer_stay_year
        member.last_summer_stay_year = max(before or self.summer, self.summer)
        self.stay_before[seen.public_id] = before
        audit.record(
            self.session, self.campaign.id, "paid", audit.SYSTEM, seen.confirmed_at or self.now,
            seen.public_id, booking_id=str(offer.booking_id), recorded_at=self.now.isoformat(),
            **{STAY_BEFORE: before}, **detail,
        )  # fmt: skip
        self.done.paid += 1

    def withdrawn(self, seen: _Seen, status: str) -> None:
        """Lapsed (unpaid at the deadline) or declined (cancelled while held): the unit is freed."""
        offer = seen.offer
        offer.status, offer.settled_at = status, self.now
        audit.record(
            self.session, self.campaign.id, status, audit.SYSTEM, self.now, seen.public_id,
            slot=f"{offer.centre}/{offer.rotation}/{offer.unit_type}",
            payment_deadline=offer.payment_deadline.isoformat(),
        )  # fmt: skip
        self.done.lapsed += status == "lapsed"
        self.done.declined += status == "declined"
        if status == "lapsed" and offer.booking_id is not None:
            self.done.lapsed_bookings.append(offer.booking_id)
        self.freed.append((offer, seen.public_id))

    def cancelled(self, seen: _Seen, stay_before: int | None) -> None:
        """Paid, then the booking was cancelled (by the member or staff): the summer is no longer the
        member's last stay, and the unit is freed for the next in line."""
        offer = seen.offer
        offer.status, offer.settled_at = OfferStatus.CANCELLED, self.now
        member = self.members[seen.member_id]
        if member.last_summer_stay_year == self.summer:
            member.last_summer_stay_year = stay_before
        audit.record(
            self.session, self.campaign.id, "cancelled", audit.SYSTEM, seen.cancelled_at or self.now,
            seen.public_id, slot=f"{offer.centre}/{offer.rotation}/{offer.unit_type}",
            booking_id=str(offer.booking_id), cancelled_by=seen.cancelled_by,
            recorded_at=self.now.isoformat(),
        )  # fmt: skip
        self.done.cancelled += 1
        self.freed.append((offer, seen.public_id))


async def _settle_campaign(session: AsyncSession, campaign: Campaign, now: datetime) -> Settled:
    season = await session.get(Season, campaign.season_id)
    assert season is not None  # RESTRICT keeps it
    seen = await _open_and_paid(session, campaign, now)
    round_ = _Settling(session, campaign, season.starts_on.year, now)
    round_.members = await _members(session, {s.member_id for s in seen})
    cancelled_paid = [
        s.public_id for s in seen if s.offer.status == OfferStatus.PAID and s.current == OfferStatus.CANCELLED
    ]
    stay_before = await _stays_before(session, campaign.id, cancelled_paid)
    for item in seen:
        if item.offer.status == OfferStatus.PAID:
            if item.current == states.CANCELLED:
                round_.cancelled(item, stay_before.get(item.public_id))
        elif item.current in repo.LIVE_STATES:
            round_.paid(item)
        elif item.current == states.EXPIRED:
            round_.withdrawn(item, "lapsed")
        elif item.current == states.CANCELLED and item.confirmed_at is not None:
            round_.paid(item)  # paid and cancelled between two rounds: both are recorded
            round_.cancelled(item, round_.stay_before[item.public_id])
        elif item.current == states.CANCELLED:
            round_.withdrawn(item, "declined")
    await _paid_after_lapse(session, campaign, round_)
    await session.flush()
    done = round_.done
    if round_.freed and season.open_sale_at is None:  # on open sale, a freed unit is for sale
        held = await reoffer(session, campaign, round_.freed, now)
        done.new_offers, done.offer_bookings = held.offered, held.bookings
        done.offered = len(done.new_offers)
    done.reminded_bookings = await _remind(session, campaign, now)
    return done


async def _remind(session: AsyncSession, campaign: Campaign, now: datetime) -> list[uuid.UUID]:
    """Open offers whose deadline is within ``REMINDER_NOTICE`` and whose member was not reminded yet:
    each gets its ``reminded`` entry (so, under the campaign's lock, a reminder is told once)."""
    reminded = (
        exists()
        .where(
            CampaignEvent.campaign_id == campaign.id,
            CampaignEvent.event == "reminded",
            CampaignEvent.application == CampaignApplication.public_id,
        )
        .correlate(CampaignApplication)
    )
    rows = await session.execute(
        select(
            CampaignOffer.booking_id,
            CampaignOffer.offered_at,
            CampaignOffer.payment_deadline,
            CampaignApplication.public_id,
        )
        .join(CampaignApplication, CampaignApplication.id == CampaignOffer.application_id)
        .where(
            CampaignOffer.campaign_id == campaign.id,
            CampaignOffer.status == OfferStatus.OFFERED,
            CampaignOffer.booking_id.is_not(None),
            CampaignOffer.payment_deadline > now,
            CampaignOffer.payment_deadline <= now + REMINDER_NOTICE,
            ~reminded,
        )
        .order_by(CampaignOffer.id)
    )
    told = []
    for booking_id, offered_at, deadline, public_id in rows.tuples():
        # A long offer only (compared here: date arithmetic in SQL differs between the two databases).
        if booking_id is None or deadline - offered_at <= REMINDER_NOTICE:
            continue
        audit.record(
            session, campaign.id, "reminded", audit.SYSTEM, now, public_id, booking_id=str(booking_id),
            payment_deadline=deadline.isoformat(),
        )  # fmt: skip
        told.append(booking_id)
    return told


async def _open_and_paid(session: AsyncSession, campaign: Campaign, now: datetime) -> list[_Seen]:
    rows = await session.execute(
        select(
            CampaignOffer,
            CampaignApplication.public_id,
            CampaignApplication.member_id,
            Booking.status,
            Booking.hold_expires_at,
            Booking.confirmed_at,
            Booking.cancelled_at,
            Booking.cancelled_by,
        )
        .join(CampaignApplication, CampaignApplication.id == CampaignOffer.application_id)
        .outerjoin(Booking, Booking.id == CampaignOffer.booking_id)
        .where(
            CampaignOffer.campaign_id == campaign.id,
            CampaignOffer.status.in_((OfferStatus.OFFERED, OfferStatus.PAID)),
        )
        .order_by(CampaignOffer.id)
    )
    return [
        _Seen(
            offer,
            public_id,
            member_id,
            states.EXPIRED if stored is None else states.effective_status(stored, expires, now),
            confirmed_at,
            cancelled_at,
            cancelled_by,
        )
        for offer, public_id, member_id, stored, expires, confirmed_at, cancelled_at, cancelled_by in rows
    ]


async def _members(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Member]:
    wanted = sorted(member_ids)
    found: dict[int, Member] = {}
    for start in range(0, len(wanted), _CHUNK):
        members = await session.scalars(
            select(Member).where(Member.user_id.in_(wanted[start : start + _CHUNK]))
        )
        found.update({member.user_id: member for member in members})
    return found


async def _stays_before(
    session: AsyncSession, campaign_id: int, public_ids: list[str]
) -> dict[str, int | None]:
    """Each application's last summer stay before its offer was paid, as its ``paid`` entry kept it."""
    if not public_ids:
        return {}
    entries = await session.scalars(
        select(CampaignEvent)
        .where(
            CampaignEvent.campaign_id == campaign_id,
            CampaignEvent.event == "paid",
            CampaignEvent.application.in_(public_ids),
        )
        .order_by(CampaignEvent.id)
    )
    return {entry.application or "": entry.detail.get(STAY_BEFORE) for entry in entries}


async def _paid_after_lapse(session: AsyncSession, campaign: Campaign, round_: _Settling) -> None:
    """Money that arrived after an offer lapsed, while its unit was still free, confirmed the stay (the
    payments rule for any late payment: never money without a stay, never a stay sold twice). The offer
    is then paid after all; the audit log says it came late. Its unit was free, so no re-offer holds it."""
    rows = await session.execute(
        select(
            CampaignOffer, CampaignApplication.public_id, CampaignApplication.member_id, Booking.confirmed_at
        )
        .join(CampaignApplication, CampaignApplication.id == CampaignOffer.application_id)
        .join(Booking, Booking.id == CampaignOffer.booking_id)
        .where(
            CampaignOffer.campaign_id == campaign.id,
            CampaignOffer.status == OfferStatus.LAPSED,
            Booking.status.in_(repo.LIVE_STATES),
        )
        .order_by(CampaignOffer.id)
    )
    late = [
        _Seen(offer, public_id, member_id, "confirmed", confirmed_at, None, None)
        for offer, public_id, member_id, confirmed_at in rows.tuples()
    ]
    round_.members.update(await _members(session, {seen.member_id for seen in late} - round_.members.keys()))
    for seen in late:
        round_.paid(seen, late=True)


# --- a member's decline ----------------------------------------------------------------------------


async def decline(uow: UnitOfWork, identity: Identity, code: str, now: datetime) -> Settled:
    """The member turns their open offer down: its hold is cancelled and the unit goes to the next in line.

    An offer whose booking is no longer held when the member declines (its hold expired, or it was
    cancelled, perhaps after it was paid) is not declined: the campaign is settled, which records what
    did happen (lapsed; declined; paid and then cancelled) and offers the unit, as the worker would."""
    async with uow:
        done = await _decline(uow, identity, code, now)
        tell(uow, done, now)
        await uow.commit()
        return done


async def _decline(uow: UnitOfWork, identity: Identity, code: str, now: datetime) -> Settled:
    session = uow.session
    await lock_campaigns(session, code=code)
    campaign = await campaign_by_code(session, code)
    application = await own_application(session, campaign, identity.user_id)
    offer = None
    if application is not None:
        offer = await session.scalar(
            select(CampaignOffer).where(
                CampaignOffer.application_id == application.id, CampaignOffer.status == OfferStatus.OFFERED
            )
        )
    if application is None or offer is None:
        raise NotFound(ErrorCode.OFFER_NOT_FOUND, f"you hold no open offer in {code}")
    booking = await session.get(Booking, offer.booking_id) if offer.booking_id else None
    status = (
        states.effective_status(booking.status, booking.hold_expires_at, now) if booking else states.EXPIRED
    )
    if status in repo.LIVE_STATES:
        raise Conflict(ErrorCode.OFFER_PAID, "this stay is paid; cancel the booking to give it up")
    if booking is None or status != states.HELD:
        return await _settle_campaign(session, campaign, now)
    await bookings.cancel_step(uow, identity, booking.id, now)
    offer.status, offer.settled_at = OfferStatus.DECLINED, now
    audit.record(
        session, campaign.id, "declined", identity.username, now, application.public_id,
        slot=f"{offer.centre}/{offer.rotation}/{offer.unit_type}",
    )  # fmt: skip
    await session.flush()
    held = await reoffer(session, campaign, [(offer, application.public_id)], now)
    return Settled(
        declined=1, offered=len(held.offered), new_offers=held.offered, offer_bookings=held.bookings
    )
