"""The access rate of a year (docs/kpis.md): of the members who asked for a stay, the share who got one.

A member **asked** for a stay in the year when they searched a centre's availability on a day of the year
(``booking.searches``: the API or the search page), applied to the summer campaign of a season starting in
the year (every centre of their choices; withdrawn or not), or held a booking arriving in the year,
whatever became of it. A member **got** a stay when a booking of theirs arriving in the year was paid and
not lost (confirmed, checked in or checked out: a no-show or a cancelled stay is none). Every member who
got a stay asked for one, so the rate is at most 1. By centre: the members who asked for a stay at that
centre, and of them those who got one there; by category: the member's category today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member
from booking.campaigns.models import Campaign, CampaignApplication
from booking.models import Booking
from booking.searches import MemberSearch
from estivage.web.common import STAYS
from inventory.models import Centre, Season


@dataclass(frozen=True, slots=True)
class Access:
    asked: int
    got: int

    @property
    def rate(self) -> float:
        return self.got / self.asked if self.asked else 0.0


@dataclass(frozen=True, slots=True)
class AccessFigures:
    overall: Access
    by_category: dict[str, Access]
    by_centre: dict[int, Access]


async def access_figures(
    session: AsyncSession, first: date, last: date, scope: frozenset[int] | None = None
) -> AccessFigures:
    """The year's figures; with a ``scope`` (centre ids), only the asking and getting at those centres
    counts (a member who asked elsewhere only is not counted)."""
    asked: dict[int, set[int]] = defaultdict(set)  # member → centres asked
    got: dict[int, set[int]] = defaultdict(set)  # member → centres of a stay got
    searched = await session.execute(
        select(MemberSearch.member_id, MemberSearch.centre_id)
        .where(MemberSearch.day >= first, MemberSearch.day <= last)
        .distinct()
    )
    for member_id, centre_id in searched.tuples():
        asked[member_id].add(centre_id)
    booked = await session.execute(
        select(Booking.member_id, Booking.centre_id, Booking.status).where(
            Booking.arrival >= first, Booking.arrival <= last
        )
    )
    for member_id, centre_id, status in booked.tuples():
        asked[member_id].add(centre_id)
        if status in STAYS:
            got[member_id].add(centre_id)
    centre_ids = dict((await session.execute(select(Centre.code, Centre.id))).tuples().all())
    applied = await session.execute(
        select(CampaignApplication.member_id, CampaignApplication.choices)
        .join(Campaign, Campaign.id == CampaignApplication.campaign_id)
        .join(Season, Season.id == Campaign.season_id)
        .where(Season.starts_on >= first, Season.starts_on <= last)
    )
    for member_id, choices in applied.tuples():
        # An application whose centres are all gone still asked: the member's entry exists either way.
        asked[member_id].update(centre_ids[c[0]] for c in choices if c and c[0] in centre_ids)
    if scope is not None:
        asked = defaultdict(set, {m: centres & scope for m, centres in asked.items() if centres & scope})
        got = defaultdict(set, {m: centres & scope for m, centres in got.items() if centres & scope})
    # Every member's category (a roster's worth of rows: an IN list of the askers could pass SQLite's limit).
    categories = dict((await session.execute(select(Member.user_id, Member.category))).tuples().all())
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_centre: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for member_id, centres in asked.items():
        counts = by_category[categories.get(member_id) or ""]
        counts[0] += 1
        counts[1] += 1 if got.get(member_id) else 0
        for centre_id in centres:
            by_centre[centre_id][0] += 1
            by_centre[centre_id][1] += 1 if centre_id in got.get(member_id, ()) else 0
    return AccessFigures(
        Access(len(asked), sum(1 for centres in got.values() if centres)),
        {category: Access(*counts) for category, counts in by_category.items()},
        {centre_id: Access(*counts) for centre_id, counts in by_centre.items()},
    )
