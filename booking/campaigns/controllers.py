"""HTTP for summer campaigns: staff set up, close and draw; members apply; anyone reads the published draw."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member, requires_member_or_staff, requires_staff
from booking.campaigns import audit, draw, services, views
from booking.campaigns import commands as c
from booking.campaigns import schemas as s
from booking.campaigns import settle as settling
from booking.campaigns.models import Campaign
from booking.domain.campaign_states import CampaignStatus
from booking.open_sale import open_sale
from kernel.uow import UnitOfWork


def _draw_out(campaign: Campaign, applications: int, summary: draw.DrawSummary | None = None) -> s.DrawOut:
    revealed = campaign.status == CampaignStatus.DRAWN
    return s.DrawOut(
        campaign=campaign.code,
        status=campaign.status,
        applications=applications,
        offers=summary.offers if summary else 0,
        waiting=summary.waiting if summary else 0,
        seed_commitment=campaign.seed_commitment,
        applications_digest=campaign.applications_digest,
        seed=campaign.seed_hex if revealed else None,
        close_seed_commitment=campaign.close_seed_commitment,
        close_seed=campaign.close_seed_hex if revealed else None,
    )


class CampaignController(Controller):
    path = "/api/campaigns"
    tags = ["summer allocation"]

    @post("/", guards=[requires_staff], status_code=201, summary="Open a summer season's campaign")
    async def create(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[c.CampaignIn],
    ) -> s.CampaignOut:
        """Staff only. One campaign per summer season; the draw's seed is committed (its hash published)
        when the campaign opens."""
        campaign = await services.create_campaign(uow, data, now, request.user.username)
        return await views.campaign_out(db_session, campaign)

    @get("/", summary="Campaigns, newest first")
    async def list_campaigns(self, db_session: NamedDependency[AsyncSession]) -> list[s.CampaignOut]:
        """Anyone logged in: every campaign with its rotations, slots and state."""
        return [await views.campaign_out(db_session, c) for c in await services.all_campaigns(db_session)]

    @get("/{code:str}", summary="A campaign: rotations, units per slot, reservations, weights, deadlines")
    async def read(self, db_session: NamedDependency[AsyncSession], code: FromPath[str]) -> s.CampaignOut:
        """Anyone logged in; 404 for an unknown code."""
        return await views.campaign_out(db_session, await services.campaign_by_code(db_session, code))

    @patch("/{code:str}", guards=[requires_staff], summary="Change a campaign before its applications close")
    async def update(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.CampaignPatch],
    ) -> s.CampaignOut:
        """Staff only. 409 once applications are closed."""
        campaign = await services.update_campaign(uow, code, data, now, request.user.username)
        return await views.campaign_out(db_session, campaign)

    @post(
        "/{code:str}/close",
        guards=[requires_staff],
        status_code=200,
        summary="Close applications: scores, applications digest and the close seed's commitment published",
    )
    async def close(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.DrawOut:
        """Staff only. Ends applications: every score is computed and the digest of the applications and
        the close seed's hash are published, so the draw's inputs are fixed before any seed is revealed."""
        campaign = await draw.close(uow, code, request.user.username, now)
        return _draw_out(campaign, await services.count_applications(db_session, campaign.id))

    @post(
        "/{code:str}/draw",
        guards=[requires_staff],
        status_code=200,
        summary="Reveal both seeds, run the allocation, hold every offer until its payment deadline",
    )
    async def run_draw(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.DrawOut:
        """Staff only, after the close. The seeds are revealed and the allocation run by priority score,
        ties ordered by the lottery; anyone can re-run it from the published inputs."""
        summary = await draw.draw(uow, code, request.user.username, now)
        campaign = await services.campaign_by_code(db_session, code)
        return _draw_out(campaign, summary.applications, summary)

    @post(
        "/{code:str}/settle",
        guards=[requires_staff],
        status_code=200,
        summary="Now: record paid and cancelled offers, lapse unpaid ones past their deadline, re-offer",
    )
    async def settle(
        self,
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.SettleOut:
        """Staff only (the worker does the same on its own). Safe to repeat: each offer is settled once."""
        done = await settling.settle(uow, now, code)  # the campaign's lock is its first statement
        return s.SettleOut(
            paid=done.paid,
            lapsed=done.lapsed,
            declined=done.declined,
            cancelled=done.cancelled,
            offered=done.offered,
        )

    @post(
        "/{code:str}/open-sale",
        guards=[requires_staff],
        status_code=200,
        summary="After the last re-offer round: the season's units left are sold directly, as off-season",
    )
    async def put_on_open_sale(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.OpenSaleOut:
        """Staff: once drawn and no offer awaits payment (409 `not_drawn`, `offers_still_open`), the summer
        season's remaining nights are sold as direct bookings with its stay rules, prices and quotas; a unit
        freed later goes on sale instead of to the waiting list. Again: no change."""
        done = await open_sale(uow, request.user, code, now)
        return s.OpenSaleOut(campaign=done.campaign, season=done.season, open_sale_at=done.open_sale_at)

    @get("/{code:str}/audit", guards=[requires_staff], summary="The campaign's audit log, oldest first")
    async def audit_log(
        self,
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        event: Annotated[str | None, QueryParameter()] = None,
        application: Annotated[str | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 1000,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[s.EventOut]:
        """Staff only. Filter by event or application; `limit` and `offset` page through it."""
        campaign = await services.campaign_by_code(db_session, code)
        rows = await audit.events(
            db_session, campaign.id, event=event, application=application, limit=limit, offset=offset
        )
        return [s.EventOut(e.id, e.at, e.event, e.actor, e.application, e.detail) for e in rows]

    # --- published files: anyone, no account --------------------------------------------------------

    @get(
        "/{code:str}/inputs.json",
        exclude_from_auth=True,
        summary="The draw's published inputs (estivage-allocation-inputs/2; the seeds empty until the draw)",
        media_type="application/json",
    )
    async def inputs(self, db_session: NamedDependency[AsyncSession], code: FromPath[str]) -> Response[str]:
        """Open to anyone, no account: what anyone needs to re-run the draw and check its results."""
        return Response(await views.published_inputs(db_session, code), media_type="application/json")

    @get(
        "/{code:str}/results.json",
        exclude_from_auth=True,
        summary="The draw's results (estivage-allocation-results/1)",
        media_type="application/json",
    )
    async def results_json(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> Response[str]:
        """Open to anyone, no account: each application's public id, score, lottery rank and result."""
        results = await views.published_results(db_session, code, "json")
        return Response(results, media_type="application/json")

    @get(
        "/{code:str}/results.csv",
        exclude_from_auth=True,
        summary="The draw's results as CSV (same rows as the JSON)",
        media_type="text/csv",
    )
    async def results_csv(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> Response[str]:
        """Open to anyone, no account."""
        results = await views.published_results(db_session, code, "csv")
        return Response(results, media_type="text/csv; charset=utf-8")

    @get(
        "/{code:str}/offers.csv",
        exclude_from_auth=True,
        summary="Every unit freed after the draw, in order, and whom it was offered to (or why nobody)",
        media_type="text/csv",
    )
    async def offers_csv(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> Response[str]:
        """Open to anyone, no account: the re-offers made after the draw, in order."""
        reoffers = await views.published_reoffers(db_session, code)
        return Response(reoffers, media_type="text/csv; charset=utf-8")

    # --- a member's application ---------------------------------------------------------------------

    @put(
        "/{code:str}/application",
        guards=[requires_member],
        summary="Apply, or replace your application, until the deadline (201 when new)",
    )
    async def apply(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        data: JSONBody[c.ApplicationIn],
    ) -> Response[s.ApplicationOut]:
        """Members only. 422 for choices that break the campaign's rules (unknown slot, a party too large
        for the unit type); 409 after the deadline."""
        application, created = await services.apply(uow, request.user, code, data, now)
        campaign = await services.campaign_by_code(db_session, code)
        out = await views.application_out(db_session, campaign, application, now)
        return Response(out, status_code=201 if created else 200)

    @get(
        "/{code:str}/application",
        guards=[requires_member],
        summary="Your application and, after the draw, its result",
    )
    async def own(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.ApplicationOut:
        """Members only: the caller's own application in this campaign (404 if they have none)."""
        campaign, application = await services.find_application(db_session, request.user, code)
        return await views.application_out(db_session, campaign, application, now)

    @delete(
        "/{code:str}/application",
        guards=[requires_member],
        summary="Withdraw your application before the deadline",
    )
    async def withdraw(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> None:
        """Members only; 409 after the deadline."""
        await services.withdraw(uow, request.user, code, now)

    @post(
        "/{code:str}/application/decline",
        guards=[requires_member],
        status_code=200,
        summary="Turn down your offer: its unit goes to the next on the waiting list",
    )
    async def decline(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> s.ApplicationOut:
        """Members only. 409 when there is no open offer to turn down."""
        await settling.decline(uow, request.user, code, now)
        campaign, application = await services.find_application(db_session, request.user, code)
        return await views.application_out(db_session, campaign, application, now)

    @get(
        "/{code:str}/applications/{public_id:str}",
        guards=[requires_member_or_staff],
        summary="One application by its public id: a member's own, or any for staff (404 otherwise)",
    )
    async def by_public_id(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        code: FromPath[str],
        public_id: FromPath[str],
    ) -> s.ApplicationOut:
        """A member sees only their own (404 for another's); staff see any."""
        campaign, application = await services.find_application(db_session, request.user, code, public_id)
        return await views.application_out(db_session, campaign, application, now)
