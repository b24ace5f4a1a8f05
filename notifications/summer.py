"""The summer campaign's messages (``booking.campaigns.events``), written in the transaction of the
draw or of the settle round that causes them: each member's result of the draw, an offer made later to
the next in line, the reminder a day before an offer's deadline, its lapse.

A draw tells every applicant at once (thousands): what the messages say is read in a few statements
(``facts.addressees``, ``facts.stays``) and the rows are written together (``outbox.enqueue_all``).
Keys name the offer's booking (``summer_offer:<booking id>``), or the application for a result without
an offer, so a round handled twice writes nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.campaigns.events import OfferDeadlinesNear, OffersLapsed, OffersMade, SummerDrawn
from booking.campaigns.models import Campaign, CampaignApplication, CampaignOffer, WaitingPlace
from booking.domain.campaign_states import ApplicationStatus, OfferStatus
from inventory.models import Centre, Rotation, UnitType
from kernel.i18n import translator
from kernel.uow import UnitOfWork
from notifications import facts, summer_letters
from notifications.compose import Letter
from notifications.domain.delivery import Channel
from notifications.outbox import Queued, enqueue_all

if TYPE_CHECKING:
    from notifications.handlers import MailConfig


@dataclass(frozen=True, slots=True)
class _Offer:
    booking_id: uuid.UUID
    member_id: int
    deadline: datetime


async def _offers(session: AsyncSession, booking_ids: Iterable[uuid.UUID]) -> list[_Offer]:
    wanted = sorted(set(booking_ids))
    found = []
    for start in range(0, len(wanted), 1000):
        rows = await session.execute(
            select(CampaignOffer.booking_id, CampaignApplication.member_id, CampaignOffer.payment_deadline)
            .join(CampaignApplication, CampaignApplication.id == CampaignOffer.application_id)
            .where(CampaignOffer.booking_id.in_(wanted[start : start + 1000]))
            .order_by(CampaignOffer.id)
        )
        found += [_Offer(b, m, d) for b, m, d in rows.tuples() if b is not None]
    return found


class SummerMail:
    """The handlers of the campaign's events, with what they need from the settings."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def _pay_link(self, booking_id: uuid.UUID) -> str:
        return f"{self.config.public_url}/bookings/{booking_id}"

    @property
    def _summer_link(self) -> str:
        return f"{self.config.public_url}/summer"

    def _queued(
        self, key: str, kind: str, to: facts.Addressee, letter: Letter, *, sms: bool = False
    ) -> list[Queued]:
        """The mail, and its text message when SMS is set up, the member has a phone and ``sms``."""
        items = [Queued(key, kind, to.user_id, to.address, letter)]
        if sms and self.config.sms and to.phone and letter.short:
            items.append(Queued(f"{key}:sms", kind, to.user_id, to.phone, letter, Channel.SMS))
        return items

    async def _about_offers(
        self, uow: UnitOfWork, booking_ids: Iterable[uuid.UUID], kind: str, now: datetime
    ) -> None:
        session = uow.session
        offers = await _offers(session, booking_ids)
        people = await facts.addressees(session, (o.member_id for o in offers))
        stays = await facts.stays(session, (o.booking_id for o in offers))
        items: list[Queued] = []
        for offer in offers:
            to, stay = people.get(offer.member_id), stays.get(offer.booking_id)
            if to is None or stay is None:
                continue
            items += self._offer_message(kind, to, stay.facts(to.language), offer)
        await enqueue_all(session, items, now)

    def _offer_message(
        self, kind: str, to: facts.Addressee, stay: facts.StayFacts, offer: _Offer
    ) -> list[Queued]:
        t, link = translator(to.language), self._pay_link(offer.booking_id)
        key = f"{kind}:{offer.booking_id}"
        if kind == "summer_reminder":
            letter = summer_letters.offer_reminder(t, to.name, stay, offer.deadline, link)
            return self._queued(key, kind, to, letter, sms=True)
        if kind == "summer_lapsed":
            letter = summer_letters.offer_lapsed(t, to.name, stay, offer.deadline, self._summer_link)
            return self._queued(key, kind, to, letter)
        after_draw = kind == "summer_result"
        letter = summer_letters.offer(t, to.name, stay, offer.deadline, link, after_draw=after_draw)
        return self._queued(f"summer_offer:{offer.booking_id}", kind, to, letter, sms=True)

    async def offers_made(self, uow: UnitOfWork, event: OffersMade) -> None:
        await self._about_offers(uow, event.booking_ids, "summer_offer", event.occurred_at)

    async def deadlines_near(self, uow: UnitOfWork, event: OfferDeadlinesNear) -> None:
        await self._about_offers(uow, event.booking_ids, "summer_reminder", event.occurred_at)

    async def lapsed(self, uow: UnitOfWork, event: OffersLapsed) -> None:
        await self._about_offers(uow, event.booking_ids, "summer_lapsed", event.occurred_at)

    async def drawn(self, uow: UnitOfWork, event: SummerDrawn) -> None:
        """Every submitted application's result: its offer (held by the draw), its places on the waiting
        lists, or neither."""
        session = uow.session
        applications = (
            (
                await session.execute(
                    select(
                        CampaignApplication.id, CampaignApplication.public_id, CampaignApplication.member_id
                    )
                    .where(
                        CampaignApplication.campaign_id == event.campaign_id,
                        CampaignApplication.status == ApplicationStatus.SUBMITTED,
                    )
                    .order_by(CampaignApplication.id)
                )
            )
            .tuples()
            .all()
        )
        member_of = {application_id: member_id for application_id, _p, member_id in applications}
        offers = {
            application_id: _Offer(booking_id, member_of.get(application_id, 0), deadline)
            for application_id, booking_id, deadline in (
                await session.execute(
                    select(
                        CampaignOffer.application_id, CampaignOffer.booking_id, CampaignOffer.payment_deadline
                    ).where(
                        CampaignOffer.campaign_id == event.campaign_id,
                        CampaignOffer.status == OfferStatus.OFFERED,
                    )
                )
            ).tuples()
            if booking_id is not None
        }
        people = await facts.addressees(session, (member for _i, _p, member in applications))
        stays = await facts.stays(session, (o.booking_id for o in offers.values()))
        places = await _waiting(session, event.campaign_id)
        items: list[Queued] = []
        for application_id, public_id, member_id in applications:
            to = people.get(member_id)
            if to is None:
                continue
            offer, stay = offers.get(application_id), None
            if offer is not None and (stay := stays.get(offer.booking_id)) is not None:
                items += self._offer_message("summer_result", to, stay.facts(to.language), offer)
                continue
            t = translator(to.language)
            mine = tuple(place(to.language) for place in places.get(application_id, ()))
            letter = (
                summer_letters.waitlisted(t, to.name, mine, self._summer_link)
                if mine
                else summer_letters.not_drawn(t, to.name, self._summer_link)
            )
            items += self._queued(f"summer_result:{public_id}", "summer_result", to, letter)
        await enqueue_all(session, items, event.occurred_at)


@dataclass(frozen=True, slots=True)
class _Place:
    centre: Centre
    unit_type: UnitType
    rotation: Rotation
    position: int

    def __call__(self, language: str) -> summer_letters.WaitingFacts:
        arabic = language == "ar"
        centre, unit_type = self.centre, self.unit_type
        return summer_letters.WaitingFacts(
            centre_name=centre.name_ar if arabic and centre.name_ar else centre.name_fr,
            town=centre.town_ar if arabic and centre.town_ar else centre.town_fr,
            unit_type=unit_type.name_ar if arabic and unit_type.name_ar else unit_type.name_fr,
            first_night=self.rotation.starts_on,
            departure=self.rotation.ends_on,
            position=self.position,
        )


async def _waiting(session: AsyncSession, campaign_id: int) -> dict[int, list[_Place]]:
    """Each application's places on the waiting lists, in its order of preference."""
    campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None
    centres = {c.code: c for c in await session.scalars(select(Centre))}
    types = {
        (centre, u.code): u
        for u, centre in (await session.execute(select(UnitType, Centre.code).join(Centre))).tuples()
    }
    rotations = {
        r.code: r
        for r in await session.scalars(select(Rotation).where(Rotation.season_id == campaign.season_id))
    }
    found: dict[int, list[_Place]] = defaultdict(list)
    for place in await session.scalars(
        select(WaitingPlace)
        .where(WaitingPlace.campaign_id == campaign_id)
        .order_by(WaitingPlace.application_id, WaitingPlace.choice_rank)
    ):
        unit_type = types.get((place.centre, place.unit_type))
        rotation = rotations.get(place.rotation)
        if unit_type is None or rotation is None:
            continue
        found[place.application_id].append(_Place(centres[place.centre], unit_type, rotation, place.position))
    return found
