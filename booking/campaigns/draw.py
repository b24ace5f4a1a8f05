"""Closing a campaign (scores, applications digest, close seed) and running its draw.

Close: each application's category and score are frozen from the member record, the close seed is
drawn, and the inputs are published with the applications' digest and both commitments: the opening
seed's, drawn when the campaign was created, and the close seed's; neither seed. A campaign created
before seeds were drawn at creation (migration 0013) gets its opening seed here too. Draw: both seeds
are revealed in the same inputs document, the pure allocation runs on them, the results are stored as
published (``booking.domain.allocation.publication``) and every offer holds its unit. A campaign closed
before close seeds existed (migration 0016) has format 1 inputs and is drawn on its one seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member
from booking.campaigns import audit
from booking.campaigns.models import Campaign, CampaignApplication, WaitingPlace
from booking.campaigns.offers import NewOffer, hold_offers, supply_of
from booking.campaigns.services import campaign_by_code, lock_campaigns, new_seed
from booking.domain.allocation import (
    AllocationError,
    Applicant,
    Application,
    MemberStatus,
    ScoreWeights,
    Slot,
    score,
)
from booking.domain.allocation.publication import (
    DrawInputs,
    DrawRun,
    inputs_from_json,
    inputs_to_json,
    prepare_draw,
    published_rows,
    rows_to_csv,
    rows_to_json,
    run_draw,
)
from booking.domain.campaign_states import ApplicationStatus, CampaignStatus
from inventory.models import Season
from kernel.codes import ErrorCode
from kernel.errors import Conflict
from kernel.uow import UnitOfWork

# (stage, done, total). Close has "scores" (computed) and "stored"; the draw "results" (positions and
# waiting lists stored) and "offers" (planned, then written). The last stage of each counts the commit as
# its last step, which the caller takes: the service reports it one step short of its total, and the
# caller completes it once committed (``commands.StageBars.finish``), so 100% means saved.
DrawProgress = Callable[[str, int, int], None]
_SCORES_REPORTED_EVERY = 1000
_CHUNK = 2000  # rows per bulk statement


@dataclass(frozen=True, slots=True)
class DrawSummary:
    applications: int
    offers: int
    waiting: int


def applicant_of(member: Member) -> Applicant:
    return _applicant(member.category, member.last_summer_stay_year, member.family_size, member.salary_scale)


def _applicant(category: str, last_summer_stay_year: int | None, family_size: int, scale: int) -> Applicant:
    status = MemberStatus.RETIRED if category == MemberStatus.RETIRED.value else MemberStatus.ACTIVE
    return Applicant(last_summer_stay_year, status, family_size, scale)


async def close(
    uow: UnitOfWork, code: str, actor: str, now: datetime, progress: DrawProgress | None = None
) -> Campaign:
    """Close applications: freeze the scores and publish the inputs with the applications' digest."""
    async with uow:
        campaign = await _close(uow.session, code, actor, now, progress)
        await uow.commit()
        return campaign


async def _close(
    session: AsyncSession, code: str, actor: str, now: datetime, progress: DrawProgress | None
) -> Campaign:
    await lock_campaigns(session, code=code)
    campaign = await campaign_by_code(session, code)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(ErrorCode.CAMPAIGN_CLOSED, f"applications to {code} are already closed")
    if now < campaign.applications_close_at:
        raise Conflict(
            ErrorCode.APPLICATIONS_STILL_OPEN,
            f"members may apply until {campaign.applications_close_at.isoformat()}; close after that",
        )
    applications, frozen = await _scores(session, campaign, progress)
    seed_drawn_at_close = campaign.seed_hex is None
    if seed_drawn_at_close:  # created before migration 0013: the fallback, said in the log
        campaign.seed_hex, campaign.seed_commitment = new_seed()
    assert campaign.seed_hex is not None
    campaign.close_seed_hex, campaign.close_seed_commitment = new_seed()
    seed, close_seed = bytes.fromhex(campaign.seed_hex), bytes.fromhex(campaign.close_seed_hex)
    inputs = prepare_draw(campaign.code, supply_of(campaign), applications, seed, close_seed)
    if inputs.seed_commitment != campaign.seed_commitment:
        raise Conflict(
            ErrorCode.SEED_COMMITMENT_MISMATCH, f"the stored seed of {code} is not the one committed to"
        )
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, now
    campaign.applications_digest = inputs.applications_digest
    campaign.published_inputs = inputs_to_json(inputs)
    audit.record(session, campaign.id, "closed", actor, now, applications=len(applications))
    committed: dict[str, Any] = {
        "seed_commitment": inputs.seed_commitment,
        "close_seed_commitment": inputs.close_seed_commitment,
        "applications_digest": inputs.applications_digest,
    }
    if seed_drawn_at_close:
        committed["seed_drawn_at_close"] = True
    audit.record(session, campaign.id, "committed", actor, now, **committed)
    total = len(frozen) + 1  # the last step is the caller's commit
    for start in range(0, len(frozen), _CHUNK):
        await session.execute(update(CampaignApplication), frozen[start : start + _CHUNK])
        if progress is not None:
            progress("stored", min(start + _CHUNK, len(frozen)), total)
    await session.flush()
    if progress is not None:
        progress("stored", total - 1, total)
    return campaign


async def _scores(
    session: AsyncSession, campaign: Campaign, progress: DrawProgress | None
) -> tuple[list[Application], list[dict[str, Any]]]:
    """Each submitted application as the rules read it, its category and score frozen from the member
    record now; and the same as rows for one bulk update."""
    season = await session.get(Season, campaign.season_id)
    assert season is not None
    weights = ScoreWeights(**campaign.weights)
    rows = (
        await session.execute(
            select(
                CampaignApplication.id,
                CampaignApplication.public_id,
                CampaignApplication.choices,
                Member.category,
                Member.last_summer_stay_year,
                Member.family_size,
                Member.salary_scale,
            )
            .join(Member, Member.user_id == CampaignApplication.member_id)
            .where(
                CampaignApplication.campaign_id == campaign.id,
                CampaignApplication.status == ApplicationStatus.SUBMITTED,
            )
            .order_by(CampaignApplication.public_id)
        )
    ).all()
    applications, frozen = [], []
    for number, (row_id, public_id, choices, category, last_stay, family, scale) in enumerate(rows, start=1):
        points = score(_applicant(category, last_stay, family, scale), weights, season.starts_on.year)
        applications.append(Application(public_id, category, points, tuple(Slot(*c) for c in choices)))
        frozen.append({"id": row_id, "category": category, "score": points})
        if progress is not None and (number % _SCORES_REPORTED_EVERY == 0 or number == len(rows)):
            progress("scores", number, len(rows))
    return applications, frozen


async def draw(
    uow: UnitOfWork, code: str, actor: str, now: datetime, progress: DrawProgress | None = None
) -> DrawSummary:
    """Reveal both seeds, run the allocation on the published inputs, store the results, hold the offers."""
    async with uow:
        summary = await _draw(uow.session, code, actor, now, progress)
        await uow.commit()
        return summary


async def _draw(
    session: AsyncSession, code: str, actor: str, now: datetime, progress: DrawProgress | None
) -> DrawSummary:
    await lock_campaigns(session, code=code)
    campaign = await campaign_by_code(session, code)
    if campaign.status != CampaignStatus.CLOSED:
        raise Conflict(
            ErrorCode.NOT_CLOSED if campaign.status == CampaignStatus.OPEN else ErrorCode.ALREADY_DRAWN,
            f"{code} is {campaign.status}; the draw runs once, after applications close",
        )
    published = await session.scalar(select(Campaign.published_inputs).where(Campaign.id == campaign.id))
    assert published is not None
    assert campaign.seed_hex is not None
    inputs = inputs_from_json(published)
    close_seed = None
    if inputs.close_seed_commitment is not None:  # format 1 inputs (closed before 0016) have one seed
        assert campaign.close_seed_hex is not None
        close_seed = bytes.fromhex(campaign.close_seed_hex)
    inputs = inputs.revealed(bytes.fromhex(campaign.seed_hex), close_seed)
    try:
        run = run_draw(inputs)
    except AllocationError as error:  # stored inputs the rules refuse: a state to repair, not a crash
        raise Conflict(error.code, error.detail) from error
    rows = published_rows(inputs, run)
    campaign.published_inputs = _revealed(published, inputs)
    # Both files once, here: the public endpoints serve them as stored, whoever asks and how often.
    campaign.published_results = rows_to_csv(rows)
    campaign.published_results_json = rows_to_json(rows)
    campaign.status, campaign.drawn_at = CampaignStatus.DRAWN, now
    ids = await _application_ids(session, campaign.id)
    await _store_standing(session, campaign, run, ids, progress)
    pending = await _pending_offers(session, campaign, run)
    seeds = {"seed": campaign.seed_hex} | ({"close_seed": close_seed.hex()} if close_seed else {})
    audit.record(
        session,
        campaign.id,
        "drawn",
        actor,
        now,
        **seeds,
        offers=len(run.result.offers),
        waiting=len(inputs.applications) - len(run.result.offers),
    )
    total = 2 * len(pending) + 1  # each offer planned, then written (bulk), then the caller's commit
    done = 0

    def advance(step: int) -> None:
        nonlocal done
        done += step
        if progress is not None:
            progress("offers", done, total)

    held = await hold_offers(session, campaign, pending, now, advance)
    if held.unheld:  # the whole draw rolls back: the published results promise every one of these offers
        item, reason = held.unheld[0]
        raise Conflict(
            reason,
            f"{len(held.unheld)} offers cannot be held, the first {item.slot} ({reason}); "
            "the inventory changed since the campaign was set",
        )
    waiting = len(inputs.applications) - len(pending)
    return DrawSummary(len(inputs.applications), len(run.result.offers), waiting)


def _revealed(published: str, inputs: DrawInputs) -> str:
    """The published inputs with the seeds filled in and nothing else changed (re-serialising 20,000
    applications would cost seconds); the result is exactly ``inputs_to_json`` of the revealed inputs.
    Top-level keys are the only ones indented by one space, and ``inputs_to_json`` sorts them."""
    seeds = {"seed": inputs.seed}
    if inputs.close_seed_commitment is not None:  # format 1 has one seed
        seeds["close_seed"] = inputs.close_seed
    revealed = published
    for key, seed in seeds.items():
        assert seed is not None
        empty = f'\n "{key}": "",\n'
        assert revealed.count(empty) == 1, f"the inputs document lost its empty {key}"
        revealed = revealed.replace(empty, f'\n "{key}": "{seed.hex()}",\n')
    return revealed


async def _application_ids(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(CampaignApplication.public_id, CampaignApplication.id).where(
            CampaignApplication.campaign_id == campaign_id,
            CampaignApplication.status == ApplicationStatus.SUBMITTED,
        )
    )
    return dict(rows.tuples().all())


async def _store_standing(
    session: AsyncSession,
    campaign: Campaign,
    run: DrawRun,
    ids: dict[str, int],
    progress: DrawProgress | None,
) -> None:
    """Each application's position and lottery rank, and every waiting-list place, in bulk statements."""
    lottery_rank = {public_id: rank for rank, public_id in enumerate(run.lottery_order, start=1)}
    standing = [
        {"id": ids[public_id], "position": position, "lottery_rank": lottery_rank[public_id]}
        for position, public_id in enumerate(run.result.order, start=1)
    ]
    places = [
        {
            "campaign_id": campaign.id,
            "application_id": ids[entry.application_id],
            "centre": slot.centre,
            "rotation": slot.rotation,
            "unit_type": slot.unit_type,
            "choice_rank": entry.choice_rank,
            "position": position,
        }
        for slot, entries in run.result.waiting_lists.items()
        for position, entry in enumerate(entries, start=1)
    ]
    total = len(standing) + len(places)
    for start in range(0, len(standing), _CHUNK):
        await session.execute(update(CampaignApplication), standing[start : start + _CHUNK])
        if progress is not None:
            progress("results", min(start + _CHUNK, len(standing)), total)
    for start in range(0, len(places), _CHUNK):
        await session.execute(insert(WaitingPlace), places[start : start + _CHUNK])
        if progress is not None:
            progress("results", len(standing) + min(start + _CHUNK, len(places)), total)


async def _pending_offers(session: AsyncSession, campaign: Campaign, run: DrawRun) -> list[NewOffer]:
    wanted = list(run.result.offers)
    applications = {}
    for start in range(0, len(wanted), _CHUNK):
        found = await session.scalars(
            select(CampaignApplication).where(
                CampaignApplication.campaign_id == campaign.id,
                CampaignApplication.public_id.in_(wanted[start : start + _CHUNK]),
            )
        )
        applications.update({application.public_id: application for application in found})
    return [
        NewOffer(applications[public_id], offer.slot, offer.choice_rank)
        for public_id in run.result.order
        if (offer := run.result.offers.get(public_id)) is not None
    ]
