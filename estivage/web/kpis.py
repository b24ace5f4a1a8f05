"""The staff's indicators for one calendar year (the foundation's, in Moroccan time): stays, access rate
by member category, satisfaction, and per centre the occupancy rate and the revenue.

Read-only queries over the booking, rating and inventory tables. Occupancy here is what was sold, not
what the managers must keep free: nights of stays confirmed onwards (an unpaid hold is not a stay) over
the unit-nights the centre was open (a night in no season or in a closed season is no capacity, and
neither is a unit's closure).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member
from booking.models import Booking
from booking.ratings import Satisfaction, StayRating
from estivage.web.common import STAYS
from inventory.domain.calendar import SeasonKind, local_today, season_of
from inventory.models import Centre, StayNight
from inventory.snapshot import CentreView, centre_view
from kernel.money import MAD, Money

FOUNDATION_ZONE = "Africa/Casablanca"


@dataclass(frozen=True, slots=True)
class CategoryAccess:
    category: str
    members: int
    with_stay: int

    @property
    def rate(self) -> float:
        return self.with_stay / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class CentreKpi:
    code: str
    name_fr: str
    name_ar: str
    occupancy_rate: float
    revenue: Money


def open_unit_nights(centre: CentreView, first: date, last: date) -> dict[date, int]:
    """Units in service on each night the centre is open (a season covers it, not a closed one)."""
    units = [u for t in centre.unit_types for u in t.unit_ids]
    open_nights = {}
    for i in range((last - first).days + 1):
        night = first + timedelta(days=i)
        season = season_of(night, centre.seasons)
        if season is None or season.kind == SeasonKind.CLOSED:
            continue
        open_nights[night] = sum(
            1 for u in units if not any(start <= night < end for start, end in centre.closures.get(u, ()))
        )
    return open_nights


async def stay_nights(session: AsyncSession, centre: CentreView, first: date, last: date) -> Counter[date]:
    """Units taken per night by stays confirmed onwards."""
    rows = await session.execute(
        select(StayNight.night, func.count())
        .join(Booking, Booking.id == StayNight.booking_id)
        .where(
            StayNight.unit_type_id.in_([t.id for t in centre.unit_types]),
            StayNight.night >= first,
            StayNight.night <= last,
            Booking.status.in_(STAYS),
        )
        .group_by(StayNight.night)
    )
    return Counter({night: int(count) for night, count in rows})


async def occupancy_rate(session: AsyncSession, centre: CentreView, first: date, last: date) -> float:
    capacity = open_unit_nights(centre, first, last)
    taken = await stay_nights(session, centre, first, last)
    sold = sum(min(taken[night], units) for night, units in capacity.items())
    total = sum(capacity.values())
    return sold / total if total else 0.0


async def satisfaction(session: AsyncSession, first: date, last: date) -> Satisfaction:
    """Ratings of the stays that arrived in the year (the stays the page counts)."""
    count, average = (
        await session.execute(
            select(func.count(StayRating.booking_id), func.avg(StayRating.score))
            .join(Booking, Booking.id == StayRating.booking_id)
            .where(Booking.arrival >= first, Booking.arrival <= last)
        )
    ).one()
    return Satisfaction(int(count), round(float(average), 2) if average is not None else None)


async def access_by_category(session: AsyncSession, first: date, last: date) -> list[CategoryAccess]:
    members = dict(
        (await session.execute(select(Member.category, func.count()).group_by(Member.category)))
        .tuples()
        .all()
    )
    with_stay = dict(
        (
            await session.execute(
                select(Member.category, func.count(func.distinct(Booking.member_id)))
                .join(Member, Member.user_id == Booking.member_id)
                .where(Booking.status.in_(STAYS), Booking.arrival >= first, Booking.arrival <= last)
                .group_by(Member.category)
            )
        )
        .tuples()
        .all()
    )
    return [CategoryAccess(c, int(n), int(with_stay.get(c, 0))) for c, n in sorted(members.items())]


async def revenue_by_centre(session: AsyncSession, first: date, last: date) -> dict[int, Money]:
    """Money kept: a confirmed stay's total, a cancelled paid stay's total less its refund."""
    kept = Booking.total_minor - func.coalesce(Booking.refund_minor, 0)
    rows = await session.execute(
        select(Booking.centre_id, func.sum(kept))
        .where(Booking.confirmed_at.is_not(None), Booking.arrival >= first, Booking.arrival <= last)
        .group_by(Booking.centre_id)
    )
    return {centre_id: Money(int(total or 0), MAD) for centre_id, total in rows}


async def kpis(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Stays arriving this calendar year; access rate by category; satisfaction; occupancy and revenue."""
    year = local_today(now, FOUNDATION_ZONE).year
    first, last = date(year, 1, 1), date(year, 12, 31)
    stays = await session.scalar(
        select(func.count()).where(
            Booking.status.in_(STAYS), Booking.arrival >= first, Booking.arrival <= last
        )
    )
    revenue = await revenue_by_centre(session, first, last)
    centres = []
    for code in await session.scalars(select(Centre.code).order_by(Centre.name_fr)):
        view = await centre_view(session, code)
        rate = await occupancy_rate(session, view, first, last)
        centres.append(
            CentreKpi(view.code, view.name_fr, view.name_ar, rate, revenue.get(view.id, Money(0, MAD)))
        )
    return {
        "year": year,
        "stays": int(stays or 0),
        "access": await access_by_category(session, first, last),
        "satisfaction": await satisfaction(session, first, last),
        "centres": centres,
    }
