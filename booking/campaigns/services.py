"""Use cases of a summer campaign before its draw: staff set it up, members apply, edit and withdraw.

The supply (units per centre, rotation and unit type) is read from the inventory when the campaign is
set and kept on the campaign, so that the draw reads exactly what members were shown. The lottery's
opening seed is drawn when the campaign is created, before any application exists, and only its
commitment is shown until the draw: nobody can pick it for the order it gives to applications they have
seen. Its second seed is drawn by the close (``booking.campaigns.draw``).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import MEMBER, STAFF, Identity
from booking.campaigns import audit
from booking.campaigns import commands as s
from booking.campaigns.models import Campaign, CampaignApplication
from booking.domain.allocation import (
    MAX_CHOICES,
    AllocationError,
    ScoreWeights,
    Slot,
    commit,
    reserve_by_share,
)
from booking.domain.campaign_states import ApplicationStatus, CampaignStatus
from booking.repository import account_active
from inventory.models import Centre, Rotation, Season
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.errors import Conflict, Forbidden, NotFound, RuleViolation
from kernel.uow import use_case

# Public ids name no member: a prefix for the season, then random letters and digits without look-alikes.
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class CampaignSetup:
    applications_close_at: datetime
    offer_validity_hours: int
    reserved_percent: dict[str, int]
    weights: dict[str, int]
    centres: list[str] | None


async def lock_campaigns(
    session: AsyncSession, *, code: str | None = None, drawn_only: bool = False
) -> list[int]:
    """A write as the first statement of the unit of work: the campaign rows' lock on PostgreSQL, the
    write lock on SQLite (taken before any read, as ``booking.locks`` explains). The ids locked: on
    PostgreSQL a row that only came to match (a campaign drawn meanwhile) is not locked, so whoever
    needs the lock works on these ids alone."""
    statement = update(Campaign).values(drawn_at=Campaign.drawn_at)
    if code is not None:
        statement = statement.where(Campaign.code == code)
    if drawn_only:
        statement = statement.where(Campaign.status == CampaignStatus.DRAWN)
    statement = statement.returning(Campaign.id).execution_options(synchronize_session=False)
    return list(await session.scalars(statement))


async def lock_for_application(session: AsyncSession, code: str) -> Campaign:
    """Applications exclude the close (which takes the campaign's row lock) but not each other on
    PostgreSQL (a shared row lock); SQLite has only its one write lock, taken first."""
    if session.get_bind().dialect.name == "sqlite":
        await lock_campaigns(session, code=code)
        return await campaign_by_code(session, code)
    return await campaign_by_code(session, code, shared_lock=True)


# --- campaigns --------------------------------------------------------------------------------------


async def campaign_by_code(session: AsyncSession, code: str, *, shared_lock: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.code == code).execution_options(populate_existing=True)
    found = (await session.scalars(query.with_for_update(read=True) if shared_lock else query)).one_or_none()
    if found is None:
        raise NotFound(ErrorCode.CAMPAIGN_NOT_FOUND, f"no campaign {code!r}")
    return found


async def all_campaigns(session: AsyncSession) -> list[Campaign]:
    return list(await session.scalars(select(Campaign).order_by(Campaign.id.desc())))


async def rotations_of(session: AsyncSession, season_id: int) -> list[Rotation]:
    query = select(Rotation).where(Rotation.season_id == season_id).order_by(Rotation.starts_on)
    return list(await session.scalars(query))


def weights_from(given: s.WeightsIn | None, current: dict[str, int] | None = None) -> dict[str, int]:
    values = dict(current or asdict(ScoreWeights()))
    if given is not None:
        values.update({key: value for key, value in asdict_struct(given).items() if value is not None})
    try:
        return asdict(ScoreWeights(**values))
    except ValueError as error:
        raise RuleViolation(ErrorCode.BAD_WEIGHTS, str(error), field="weights") from error


def asdict_struct(struct: Any) -> dict[str, Any]:
    return {name: getattr(struct, name) for name in struct.__struct_fields__}


SEED_BYTES = 32


def new_seed() -> tuple[str, str]:
    """A secret lottery seed (hex) and its commitment, published from now on."""
    seed = secrets.token_bytes(SEED_BYTES)
    return seed.hex(), commit(seed)


@use_case
async def create_campaign(
    session: AsyncSession, data: s.CampaignIn, now: datetime, actor: str = audit.SYSTEM
) -> Campaign:
    season = await session.scalar(select(Season).where(Season.code == data.season))
    if season is None or season.kind != "summer" or season.centre_id is not None:
        raise RuleViolation(ErrorCode.NOT_A_SUMMER, f"{data.season!r} is not a summer season", field="season")
    if await session.scalar(select(Campaign.id).where(Campaign.season_id == season.id)) is not None:
        raise Conflict(ErrorCode.CAMPAIGN_EXISTS, f"the summer {data.season} already has its campaign")
    setup = CampaignSetup(
        data.applications_close_at,
        data.offer_validity_hours,
        dict(data.reserved_percent),
        weights_from(data.weights),
        data.centres,
    )
    seed_hex, commitment = new_seed()
    campaign = Campaign(
        code=season.code,
        season_id=season.id,
        status=CampaignStatus.OPEN,
        created_at=now,
        seed_hex=seed_hex,
        seed_commitment=commitment,
        **await _configured(session, season, setup, now),
    )
    session.add(campaign)
    try:
        await session.flush()
    except IntegrityError as race:
        raise Conflict(
            ErrorCode.CAMPAIGN_EXISTS, f"the summer {data.season} already has its campaign"
        ) from race
    audit.record(
        session, campaign.id, "created", actor, now,
        seed_commitment=commitment, **_logged_settings(campaign),
    )  # fmt: skip
    await session.flush()
    return campaign


def _logged_settings(campaign: Campaign) -> dict[str, Any]:
    """What staff set on a campaign, as the audit log keeps it (JSON)."""
    return {
        "applications_close_at": campaign.applications_close_at.isoformat(),
        "offer_validity_hours": campaign.offer_validity_hours,
        "reserved_percent": dict(campaign.reserved_percent),
        "weights": dict(campaign.weights),
        "centres": sorted({slot["centre"] for slot in campaign.slots}),
    }


@use_case
async def update_campaign(
    session: AsyncSession, code: str, data: s.CampaignPatch, now: datetime, actor: str = audit.SYSTEM
) -> Campaign:
    await lock_campaigns(session, code=code)
    campaign = await campaign_by_code(session, code)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(ErrorCode.CAMPAIGN_CLOSED, "a campaign cannot change once its applications are closed")
    season = await session.get(Season, campaign.season_id)
    assert season is not None  # RESTRICT keeps it
    current_centres = sorted({slot["centre"] for slot in campaign.slots})
    setup = CampaignSetup(
        data.applications_close_at or campaign.applications_close_at,
        data.offer_validity_hours or campaign.offer_validity_hours,
        dict(data.reserved_percent) if data.reserved_percent is not None else campaign.reserved_percent,
        weights_from(data.weights, campaign.weights),
        data.centres if data.centres is not None else current_centres,
    )
    configured = await _configured(session, season, setup, now)
    await _check_applications_fit(session, campaign, configured["slots"])
    before, slots_before = _logged_settings(campaign), campaign.slots
    for key, value in configured.items():
        setattr(campaign, key, value)
    after = _logged_settings(campaign)
    changes: dict[str, Any] = {
        key: {"from": before[key], "to": after[key]} for key in after if before[key] != after[key]
    }
    if slot_changes := _slot_changes(slots_before, campaign.slots):
        changes["slots"] = slot_changes
    if changes:  # a PATCH that changes nothing leaves no trace
        audit.record(session, campaign.id, "changed", actor, now, **changes)
    await session.flush()
    return campaign


def _slot_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The slots whose units or reservations a change moved (None: the slot is not offered)."""

    def keyed(slots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            f"{slot['centre']}/{slot['rotation']}/{slot['unit_type']}": {
                "units": slot["units"],
                "reserved": slot["reserved"],
            }
            for slot in slots
        }

    old, new = keyed(before), keyed(after)
    return [
        {"slot": key, "from": old.get(key), "to": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


async def _check_applications_fit(
    session: AsyncSession, campaign: Campaign, slots: list[dict[str, Any]]
) -> None:
    """A change may not withdraw a slot that a submitted application ranks, nor shrink it below the
    party: the draw could not run on such inputs once they are published."""
    offered = {(slot["centre"], slot["rotation"], slot["unit_type"]): slot for slot in slots}
    rows = await session.execute(
        select(CampaignApplication.public_id, CampaignApplication.choices, CampaignApplication.party_size)
        .where(
            CampaignApplication.campaign_id == campaign.id,
            CampaignApplication.status == ApplicationStatus.SUBMITTED,
        )
        .order_by(CampaignApplication.public_id)
    )
    for public_id, choices, party_size in rows.tuples():
        for centre, rotation, unit_type in choices:
            slot = offered.get((centre, rotation, unit_type))
            if slot is None or slot["units"] < 1 or slot["capacity"] < party_size:
                raise Conflict(
                    ErrorCode.SLOT_APPLIED_FOR,
                    f"application {public_id} ranks {centre}/{rotation}/{unit_type}, which this change "
                    "would no longer offer",
                    field="centres",
                )


async def _configured(
    session: AsyncSession, season: Season, setup: CampaignSetup, now: datetime
) -> dict[str, Any]:
    if setup.applications_close_at <= now:
        raise RuleViolation(
            ErrorCode.DEADLINE_PASSED,
            "the application deadline must be in the future",
            field="applications_close_at",
        )
    if setup.applications_close_at.date() >= season.starts_on:
        raise RuleViolation(
            ErrorCode.DEADLINE_TOO_LATE,
            "applications must close before the summer starts",
            field="applications_close_at",
        )
    rotations = await rotations_of(session, season.id)
    if not rotations:
        raise RuleViolation(
            ErrorCode.NO_ROTATIONS, f"the season {season.code} has no rotations", field="season"
        )
    centres = await _centres(session, setup.centres)
    slots = _supply(centres, rotations)
    units = {Slot(slot["centre"], slot["rotation"], slot["unit_type"]): slot["units"] for slot in slots}
    try:
        reserved = reserve_by_share(units, {centre.code: setup.reserved_percent for centre in centres})
    except AllocationError as error:
        raise RuleViolation(error.code, error.detail, field="reserved_percent") from error
    for slot in slots:
        slot["reserved"] = reserved[Slot(slot["centre"], slot["rotation"], slot["unit_type"])]
    return {
        "applications_close_at": setup.applications_close_at,
        "offer_validity_hours": setup.offer_validity_hours,
        "reserved_percent": setup.reserved_percent,
        "weights": setup.weights,
        "slots": slots,
    }


async def _centres(session: AsyncSession, codes: list[str] | None) -> list[CentreView]:
    known = list(await session.scalars(select(Centre.code).order_by(Centre.code)))
    wanted = known if codes is None else list(dict.fromkeys(codes))
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise RuleViolation(ErrorCode.UNKNOWN_CENTRE, f"no centre {unknown[0]!r}", field="centres")
    return [await centre_view(session, code) for code in wanted]


def _supply(centres: list[CentreView], rotations: list[Rotation]) -> list[dict[str, Any]]:
    """Units of each type in service for every night of each rotation (closures taken off)."""
    return [
        {
            "centre": centre.code,
            "rotation": rotation.code,
            "unit_type": unit_type.code,
            "units": sum(
                not closed_during(centre, unit_id, rotation.starts_on, rotation.ends_on)
                for unit_id in unit_type.unit_ids
            ),
            "capacity": unit_type.capacity,
        }
        for centre in centres
        for rotation in rotations
        for unit_type in centre.unit_types
    ]


def closed_during(centre: CentreView, unit_id: int, first: date, end: date) -> bool:
    """Whether a closure of the unit overlaps the nights from ``first`` to ``end`` (exclusive)."""
    return any(starts < end and first < ends for starts, ends in centre.closures.get(unit_id, ()))


async def count_applications(session: AsyncSession, campaign_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CampaignApplication)
        .where(
            CampaignApplication.campaign_id == campaign_id,
            CampaignApplication.status == ApplicationStatus.SUBMITTED,
        )
    )
    return int(count or 0)


# --- applications -----------------------------------------------------------------------------------


def check_open(campaign: Campaign, now: datetime) -> None:
    if campaign.status != CampaignStatus.OPEN or now >= campaign.applications_close_at:
        raise Conflict(
            ErrorCode.APPLICATIONS_CLOSED,
            f"applications to {campaign.code} closed at {campaign.applications_close_at.isoformat()}",
        )


def checked_choices(campaign: Campaign, data: s.ApplicationIn) -> list[list[str]]:
    """The choices as stored, or a 422 naming the first wrong field."""
    if not 1 <= len(data.choices) <= MAX_CHOICES:
        raise RuleViolation(ErrorCode.CHOICE_COUNT, f"rank 1 to {MAX_CHOICES} choices", field="choices")
    slots = {(slot["centre"], slot["rotation"], slot["unit_type"]): slot for slot in campaign.slots}
    seen: set[tuple[str, str, str]] = set()
    for index, choice in enumerate(data.choices):
        key = (choice.centre, choice.rotation, choice.unit_type)
        where = f"choices[{index}]"
        slot = slots.get(key)
        if slot is None:
            raise _unknown_part(slots, key, where)
        if key in seen:
            raise RuleViolation(ErrorCode.DUPLICATE_CHOICE, "the same choice is ranked twice", field=where)
        seen.add(key)
        if slot["capacity"] < data.party_size:
            raise RuleViolation(
                ErrorCode.PARTY_TOO_LARGE,
                f"a {choice.unit_type} at {choice.centre} holds at most {slot['capacity']} persons",
                field=f"{where}.unit_type",
            )
        if slot["units"] < 1:
            raise RuleViolation(
                ErrorCode.NOT_OFFERED, f"no {choice.unit_type} is offered for {choice.rotation}", field=where
            )
    return [[choice.centre, choice.rotation, choice.unit_type] for choice in data.choices]


def _unknown_part(
    slots: dict[tuple[str, str, str], dict[str, Any]], key: tuple[str, str, str], where: str
) -> RuleViolation:
    centre, rotation, unit_type = key
    if all(slot_centre != centre for slot_centre, _r, _t in slots):
        return RuleViolation(
            ErrorCode.UNKNOWN_CENTRE, f"no centre {centre!r} in this campaign", field=f"{where}.centre"
        )
    if all(slot_rotation != rotation for _c, slot_rotation, _t in slots):
        return RuleViolation(
            ErrorCode.UNKNOWN_ROTATION,
            f"no rotation {rotation!r} in this campaign",
            field=f"{where}.rotation",
        )
    return RuleViolation(
        ErrorCode.UNKNOWN_UNIT_TYPE, f"{centre} has no unit type {unit_type!r}", field=f"{where}.unit_type"
    )


def _public_id(campaign: Campaign) -> str:
    prefix = "".join(ch for ch in campaign.code if ch.isdigit())[-2:] or "00"
    return f"S{prefix}-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


async def own_application(
    session: AsyncSession, campaign: Campaign, member_id: int, *, for_update: bool = False
) -> CampaignApplication | None:
    query = select(CampaignApplication).where(
        CampaignApplication.campaign_id == campaign.id, CampaignApplication.member_id == member_id
    )
    return (await session.scalars(query.with_for_update() if for_update else query)).one_or_none()


@use_case
async def apply(
    session: AsyncSession, identity: Identity, code: str, data: s.ApplicationIn, now: datetime
) -> tuple[CampaignApplication, bool]:
    """Create or replace the member's application; True when it is new (or back after a withdrawal)."""
    if not await account_active(session, identity.user_id):
        raise Forbidden(
            ErrorCode.MEMBERSHIP_INACTIVE,
            "this member is no longer on the foundation's roster: no application",
        )
    campaign = await lock_for_application(session, code)
    check_open(campaign, now)
    choices = checked_choices(campaign, data)
    existing = await own_application(session, campaign, identity.user_id, for_update=True)
    if existing is None:
        application = CampaignApplication(
            campaign_id=campaign.id,
            member_id=identity.user_id,
            public_id=_public_id(campaign),
            status=ApplicationStatus.SUBMITTED,
            party_size=data.party_size,
            choices=choices,
            submitted_at=now,
            updated_at=now,
        )
        session.add(application)
        created = True
    else:
        application, created = existing, existing.status == ApplicationStatus.WITHDRAWN
        application.status, application.party_size, application.choices = (
            "submitted",
            data.party_size,
            choices,
        )
        application.updated_at = now
    try:
        await session.flush()
    except IntegrityError as race:  # the same member's two first applications at once
        raise Conflict(
            ErrorCode.ALREADY_APPLIED, "an application was just submitted for you; edit it"
        ) from race
    audit.record(
        session,
        campaign.id,
        "applied" if created else "edited",
        identity.username,
        now,
        application.public_id,
        choices=choices,
        party_size=data.party_size,
    )
    await session.flush()
    return application, created


@use_case
async def withdraw(session: AsyncSession, identity: Identity, code: str, now: datetime) -> None:
    campaign = await lock_for_application(session, code)
    check_open(campaign, now)
    application = await own_application(session, campaign, identity.user_id, for_update=True)
    if application is None or application.status == ApplicationStatus.WITHDRAWN:
        raise NotFound(ErrorCode.APPLICATION_NOT_FOUND, f"you have no application to {code}")
    application.status, application.updated_at = ApplicationStatus.WITHDRAWN, now
    audit.record(session, campaign.id, "withdrawn", identity.username, now, application.public_id)
    await session.flush()


async def find_application(
    session: AsyncSession, identity: Identity, code: str, public_id: str | None = None
) -> tuple[Campaign, CampaignApplication]:
    """The caller's own application (members), or any by its public id (staff); 404 otherwise."""
    campaign = await campaign_by_code(session, code)
    application: CampaignApplication | None
    if public_id is None:
        application = await own_application(session, campaign, identity.user_id)
    else:
        application = await session.scalar(
            select(CampaignApplication).where(
                CampaignApplication.campaign_id == campaign.id, CampaignApplication.public_id == public_id
            )
        )
        mine = application is not None and application.member_id == identity.user_id
        if application is not None and not (identity.role == STAFF or (identity.role == MEMBER and mine)):
            application = None
    if application is None:
        raise NotFound(
            ErrorCode.APPLICATION_NOT_FOUND, f"no application {public_id or ''} to {code}".replace("  ", " ")
        )
    return campaign, application
