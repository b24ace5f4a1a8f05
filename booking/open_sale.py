"""Summer units the draw leaves empty go on open sale (issue 22.6): once a drawn campaign has no offer
still awaiting payment (the last re-offer round is over), staff choose when its season's nights left are
sold directly, first come first served, by the same rules as an off-season hold (the season's stay rules,
tariffs, quotas and the member's limits; ``inventory.domain.calendar.direct_booking_seasons``).

From then on a unit freed by a lapse or a cancellation is for sale too, not offered to a waiting list
(``booking.campaigns.settle``). Putting a season on open sale is logged in the campaign's log and in the
staff audit log; doing it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from accounts.domain.identity import Identity
from booking.campaigns import audit
from booking.campaigns.models import CampaignOffer
from booking.campaigns.services import campaign_by_code, lock_campaigns
from booking.domain.campaign_states import CampaignStatus, OfferStatus
from inventory.models import Season
from kernel.codes import ErrorCode
from kernel.errors import Conflict
from kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenSale:
    campaign: str
    season: str
    open_sale_at: datetime


async def open_sale(uow: UnitOfWork, actor: Identity, code: str, now: datetime) -> OpenSale:
    """Staff put the campaign's season on open sale: 409 before the draw, or while an offer still awaits
    its payment (settle the campaign after its deadlines first)."""
    async with uow:
        session = uow.session
        await lock_campaigns(session, code=code)  # the settling's lock: no re-offer in between
        campaign = await campaign_by_code(session, code)
        if campaign.status != CampaignStatus.DRAWN:
            raise Conflict(
                ErrorCode.NOT_DRAWN, f"{code} is {campaign.status}; its units go on open sale after the draw"
            )
        waiting = await session.scalar(
            select(func.count()).where(
                CampaignOffer.campaign_id == campaign.id, CampaignOffer.status == OfferStatus.OFFERED
            )
        )
        season = await session.get(Season, campaign.season_id, with_for_update=True)
        assert season is not None  # RESTRICT keeps it
        if season.open_sale_at is None:
            if waiting:
                raise Conflict(
                    ErrorCode.OFFERS_STILL_OPEN,
                    f"{waiting} offer(s) of {code} still await payment: settle them after their deadline",
                )
            season.open_sale_at = now
            audit.record(session, campaign.id, "open_sale", actor.username, now, season=season.code)
            await session.flush()
        done = OpenSale(campaign.code, season.code, season.open_sale_at)
        await uow.commit()
        return done
