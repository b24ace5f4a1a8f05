"""Staff's summer campaigns page: each summer season with its campaign's state and counts (applications,
offers by state, applicants waiting, open sale), and the steps staff take in order: open the campaign,
close applications, run the draw, settle the offers after their deadlines, put the units left on open
sale. Each step is a confirmation page saying what it does, whose form (with the page's CSRF token) calls
the same use case as the API (``booking.campaigns.services.create_campaign``, ``draw.close``,
``draw.draw``, ``settle.settle``, ``booking.open_sale``); done, the campaign's page says so once; refused
(409 before its time, 422 for a bad form), the problem is shown beside the form, in the page's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from booking.campaigns import commands as campaign_commands
from booking.campaigns import draw, services, settle
from booking.campaigns.models import Campaign, CampaignApplication, CampaignOffer, WaitingPlace
from booking.domain.campaign_states import ApplicationStatus, CampaignStatus, OfferStatus
from booking.open_sale import open_sale
from estivage.problems import status_of
from estivage.web.common import Errors, language, page
from estivage.web.flash import say
from estivage.web.forms import TOP, day_of, form_problems, whole
from inventory.models import Season
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.uow import UnitOfWork

FOUNDATION_ZONE = ZoneInfo("Africa/Casablanca")
OPEN_FIELDS = ("applications_close_on", "offer_validity_hours", "retired_percent")
Done = dict[str, int]
Step = Callable[[UnitOfWork, Identity, str, datetime], Awaitable[Done]]


@dataclass(frozen=True, slots=True)
class Action:
    """A step of a campaign: its button, what it does (shown before), the words after, and when it is
    offered."""

    title: str
    explains: str
    done: str
    when: CampaignStatus
    run: Step


async def _close(uow: UnitOfWork, actor: Identity, code: str, now: datetime) -> Done:
    await draw.close(uow, code, actor.username, now)
    return {}


async def _draw(uow: UnitOfWork, actor: Identity, code: str, now: datetime) -> Done:
    summary = await draw.draw(uow, code, actor.username, now)
    return {"offers": summary.offers, "waiting": summary.waiting}


async def _settle(uow: UnitOfWork, _actor: Identity, code: str, now: datetime) -> Done:
    done = await settle.settle(uow, now, code)
    return {"paid": done.paid, "lapsed": done.lapsed, "offered": done.offered}


async def _open_sale(uow: UnitOfWork, actor: Identity, code: str, now: datetime) -> Done:
    await open_sale(uow, actor, code, now)
    return {}


ACTIONS = {
    "close": Action(
        N_("Close applications"),
        N_(
            "Every application's score is frozen, and the applications' digest and the close seed's "
            "commitment are published: from now on no member can apply or change an application."
        ),
        N_("Applications closed: the draw's inputs are published."),
        CampaignStatus.OPEN,
        _close,
    ),
    "draw": Action(
        N_("Run the draw"),
        N_(
            "Both seeds are revealed and the allocation is run by priority score, ties ordered by the "
            "lottery; each winner is offered a unit until the payment deadline and every applicant is told."
        ),
        N_("Draw run. Offers made: %(offers)s; applicants on a waiting list: %(waiting)s."),
        CampaignStatus.CLOSED,
        _draw,
    ),
    "settle": Action(
        N_("Settle the offers"),
        N_(
            "Paid offers are recorded, offers unpaid at their deadline lapse, and each unit freed is "
            "offered to the next applicant on its waiting list (the worker also does this on its own)."
        ),
        N_("Offers settled. Paid: %(paid)s; lapsed: %(lapsed)s; new offers: %(offered)s."),
        CampaignStatus.DRAWN,
        _settle,
    ),
    "open-sale": Action(
        N_("Put the units left on open sale"),
        N_(
            "Once no offer awaits payment, the summer's nights still free are sold directly, first come "
            "first served, with the season's stay rules, tariffs and quotas; a unit freed later goes on "
            "sale instead of to a waiting list. This cannot be undone."
        ),
        N_("The summer's units left are on open sale."),
        CampaignStatus.DRAWN,
        _open_sale,
    ),
}
CAMPAIGN_OPENED = N_("Campaign opened: members can apply.")
OPEN_FIRST = N_("This summer has no campaign yet: open it first.")
# The state a summer's campaign is in, as the pages say it.
STATE = {
    "none": N_("No campaign yet"),
    CampaignStatus.OPEN: N_("Open for applications"),
    CampaignStatus.CLOSED: N_("Applications closed: the draw is next"),
    CampaignStatus.DRAWN: N_("Drawn: offers and waiting lists"),
    "open_sale": N_("Drawn, the units left on open sale"),
}
OFFER_STATE = {
    OfferStatus.OFFERED: N_("Offers awaiting payment"),
    OfferStatus.PAID: N_("Offers paid"),
    OfferStatus.LAPSED: N_("Offers lapsed (unpaid)"),
    OfferStatus.DECLINED: N_("Offers declined"),
    OfferStatus.CANCELLED: N_("Offers paid, then cancelled"),
}


@dataclass(frozen=True, slots=True)
class CampaignLine:
    """A summer season and its campaign's state, for the list and the campaign's page."""

    season: Season
    campaign: Campaign | None
    applications: int
    offers: dict[str, int]
    waiting: int

    @property
    def state(self) -> str:
        if self.campaign is None:
            return "none"
        if self.season.open_sale_at is not None:
            return "open_sale"
        return str(self.campaign.status)

    @property
    def steps(self) -> list[str]:
        """The steps offered now, in order."""
        if self.campaign is None:
            return []
        on_sale = self.season.open_sale_at is not None
        return [
            key
            for key, action in ACTIONS.items()
            if action.when == self.campaign.status and not (key == "open-sale" and on_sale)
        ]


async def _counts(session: AsyncSession, campaign: Campaign) -> tuple[int, dict[str, int], int]:
    applications = await session.scalar(
        select(func.count()).where(
            CampaignApplication.campaign_id == campaign.id,
            CampaignApplication.status == ApplicationStatus.SUBMITTED,
        )
    )
    offers = dict(
        (
            await session.execute(
                select(CampaignOffer.status, func.count())
                .where(CampaignOffer.campaign_id == campaign.id)
                .group_by(CampaignOffer.status)
            )
        )
        .tuples()
        .all()
    )
    waiting = await session.scalar(
        select(func.count(func.distinct(WaitingPlace.application_id))).where(
            WaitingPlace.campaign_id == campaign.id
        )
    )
    by_state = {state.value: int(offers.get(state.value, 0)) for state in OfferStatus}
    return int(applications or 0), by_state, int(waiting or 0)


async def campaign_lines(session: AsyncSession, code: str | None = None) -> list[CampaignLine]:
    """The foundation's summer seasons, newest first, each with its campaign (or none yet)."""
    query = (
        select(Season, Campaign)
        .outerjoin(Campaign, Campaign.season_id == Season.id)
        .where(Season.kind == "summer", Season.centre_id.is_(None))
        .order_by(Season.starts_on.desc())
    )
    if code is not None:
        query = query.where(Season.code == code)
    lines = []
    for season, campaign in (await session.execute(query)).tuples():
        counts = await _counts(session, campaign) if campaign else (0, {}, 0)
        lines.append(CampaignLine(season, campaign, *counts))
    return lines


async def campaign_line(session: AsyncSession, code: str) -> CampaignLine:
    """The summer season ``code`` and its campaign; 404 when no summer has that code."""
    found = await campaign_lines(session, code)
    if not found:
        raise NotFoundException()
    return found[0]


def _action(action: str) -> Action:
    found = ACTIONS.get(action)
    if found is None:
        raise NotFoundException()
    return found


class StaffCampaignPages(Controller):
    path = "/staff/campaigns"
    guards = [requires_staff]
    include_in_schema = False

    @get("/")
    async def campaigns(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        lines = await campaign_lines(db_session)
        return page(request, "staff_campaigns.html", lines=lines, states=STATE, offer_states=OFFER_STATE)

    async def _campaign_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        code: str,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        status_code: int = 200,
    ) -> Template:
        line = await campaign_line(session, code)
        close_on = line.season.starts_on - timedelta(days=60)
        defaults = {
            "applications_close_on": close_on.isoformat(),
            "offer_validity_hours": str(campaign_commands.OFFER_VALIDITY_HOURS),
        }
        return page(
            request,
            "staff_campaign.html",
            status_code=status_code,
            line=line,
            actions=ACTIONS,
            states=STATE,
            offer_states=OFFER_STATE,
            values=values or {**defaults, "retired_percent": "30"},
            errors=errors or {},
        )

    @get("/{code:str}")
    async def campaign(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
    ) -> Template:
        return await self._campaign_page(request, db_session, code)

    @post("/{code:str}", status_code=303)
    async def open_campaign(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> Response[Any]:
        """``POST /api/campaigns`` from a form: applications close at the end of the day given (in
        Morocco), an offer's validity in hours, the share of units reserved for retired members."""
        form = {k: str((await request.form()).get(k) or "") for k in OPEN_FIELDS}
        try:
            day = day_of(form, "applications_close_on")
            closes = datetime.combine(day, time(23, 59), FOUNDATION_ZONE) if day else None
            retired = whole(form, "retired_percent")
            hours = whole(form, "offer_validity_hours")
            data = msgspec.convert(
                {
                    "season": code,
                    "applications_close_at": closes,
                    "offer_validity_hours": campaign_commands.OFFER_VALIDITY_HOURS
                    if hours is None
                    else hours,
                    "reserved_percent": {"retired": retired} if retired else {},
                },
                campaign_commands.CampaignIn,
            )
            await services.create_campaign(uow, data, now, request.user.username)
        except (ValueError, DomainError) as error:
            problems = form_problems(error, language(request), OPEN_FIELDS)
            if "applications_close_at" in str(error) and TOP in problems:
                problems = {"applications_close_on": problems.pop(TOP), **problems}
            status = status_of(error) if isinstance(error, DomainError) else 422
            return await self._campaign_page(request, db_session, code, form, problems, status)
        say(request, CAMPAIGN_OPENED)
        return Redirect(f"/staff/campaigns/{code}", status_code=303)

    async def _confirmation(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        code: str,
        action: str,
        problem: str | None = None,
        status_code: int = 200,
    ) -> Template:
        line = await campaign_line(session, code)
        if line.campaign is None:  # the step's words, and what comes first
            problem = translator(language(request)).gettext(OPEN_FIRST)
        return page(
            request,
            "staff_campaign_step.html",
            status_code=status_code,
            line=line,
            key=action,
            action=_action(action),
            states=STATE,
            problem=problem,
        )

    @get("/{code:str}/{action:str}")
    async def confirm(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        action: FromPath[str],
    ) -> Template:
        return await self._confirmation(request, db_session, code, action)

    @post("/{code:str}/{action:str}", status_code=303)
    async def run_step(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        action: FromPath[str],
    ) -> Response[Any]:
        step = _action(action)
        try:
            done = await step.run(uow, request.user, code, now)
        except DomainError as error:
            status = status_of(error)
            if status == 404:
                raise
            problem = form_problems(error, language(request), ()).get(TOP)
            return await self._confirmation(request, db_session, code, action, problem, status)
        say(request, step.done, None, **done)
        return Redirect(f"/staff/campaigns/{code}", status_code=303)
