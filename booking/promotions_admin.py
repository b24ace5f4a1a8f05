"""Staff manage promotions: create, change, pause, and see their uses and the budget spent. Each change
leaves its entry in the audit log, in its transaction."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject, snapshot
from accounts.domain.identity import Identity
from booking import commands as s
from booking.domain.promotions import Usage
from booking.models import Promotion
from booking.pricing_service import usage_of
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.structs import MoneyIn
from kernel.uow import use_case


def _check_shape(data: s.PromotionIn) -> None:
    required = {"percentage": data.percent_bp, "fixed": data.amount, "stay_pay": data.stay_nights}
    if required[data.kind] is None:
        field = {"percentage": "percent_bp", "fixed": "amount", "stay_pay": "stay_nights"}[data.kind]
        raise RuleViolation(
            ErrorCode.INVALID_PROMOTION, f"a {data.kind} promotion needs {field}", field=field
        )
    if data.kind == "stay_pay" and (data.pay_nights is None or data.pay_nights >= (data.stay_nights or 0)):
        raise RuleViolation(
            ErrorCode.INVALID_PROMOTION, "pay_nights must be fewer than stay_nights", field="pay_nights"
        )
    for start, end, name in (
        (data.stay_from, data.stay_until, "stay_until"),
        (data.book_from, data.book_until, "book_until"),
    ):
        if start and end and end < start:
            raise RuleViolation(ErrorCode.INVALID_DATES, f"{name} is before its start", field=name)


@use_case
async def create_promotion(
    session: AsyncSession, actor: Identity, data: s.PromotionIn, now: datetime
) -> Promotion:
    _check_shape(data)
    code = data.code.upper() if data.code else None
    if code and await session.scalar(select(Promotion.id).where(Promotion.code == code)):
        raise Conflict(
            ErrorCode.PROMOTION_CODE_EXISTS, f"a promotion with code {code} exists already", field="code"
        )
    promotion = Promotion(
        name=data.name,
        code=code,
        kind=data.kind,
        percent_bp=data.percent_bp,
        amount_minor=data.amount.amount_minor if data.amount else None,
        stay_nights=data.stay_nights,
        pay_nights=data.pay_nights,
        centres=sorted(set(data.centres)),
        unit_types=sorted(set(data.unit_types)),
        categories=sorted(set(data.categories)),
        arrival_weekdays=sorted(set(data.arrival_weekdays)),
        stay_from=data.stay_from,
        stay_until=data.stay_until,
        book_from=data.book_from,
        book_until=data.book_until,
        min_nights=data.min_nights,
        exclusive=data.exclusive,
        paused=data.paused,
        max_uses=data.max_uses,
        max_uses_per_member=data.max_uses_per_member,
        budget_minor=data.budget.amount_minor if data.budget else None,
        lock_version=0,
    )
    session.add(promotion)
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.PROMOTION_CREATED,
        Subject("promotion", str(promotion.id)),
        now,
        after={"id": promotion.id, **msgspec.to_builtins(data)},
    )
    return promotion


async def get_promotion(session: AsyncSession, promotion_id: int) -> Promotion:
    promotion = await session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(ErrorCode.PROMOTION_NOT_FOUND, f"no promotion {promotion_id}")
    return promotion


# Each cap a patch may lift, and each date bound it may drop, by its Promotion column.
_CLEARED_COLUMNS = {
    "max_uses": "max_uses",
    "max_uses_per_member": "max_uses_per_member",
    "budget": "budget_minor",
    "stay_from": "stay_from",
    "stay_until": "stay_until",
    "book_from": "book_from",
    "book_until": "book_until",
}

# The figures each kind of promotion reads; a change of kind drops the others.
_FIGURES = {
    "percentage": ("percent_bp",),
    "fixed": ("amount_minor",),
    "stay_pay": ("stay_nights", "pay_nights"),
}

# What a patch sets as it is given (money aside), by the Promotion column of the same name.
_SET_AS_GIVEN = (
    "name",
    "paused",
    "exclusive",
    "max_uses",
    "max_uses_per_member",
    "book_until",
    "stay_until",
    "kind",
    "percent_bp",
    "stay_nights",
    "pay_nights",
    "stay_from",
    "book_from",
    "min_nights",
)
_LISTS = ("centres", "unit_types", "categories", "arrival_weekdays")

# What a promotion's change may move, as the audit log keeps it.
_PATCHED = (*_SET_AS_GIVEN, "amount_minor", "budget_minor", *_LISTS)


def _as_created(promotion: Promotion) -> s.PromotionIn:
    """The promotion as the body that would create it, to hold a changed one to the same rules."""

    def money(minor: int | None) -> MoneyIn | None:
        return None if minor is None else MoneyIn(amount_minor=minor)

    return s.PromotionIn(
        name=promotion.name,
        kind=promotion.kind,  # type: ignore[arg-type]  # a PromotionKind, as stored
        percent_bp=promotion.percent_bp,
        amount=money(promotion.amount_minor),
        stay_nights=promotion.stay_nights,
        pay_nights=promotion.pay_nights,
        stay_from=promotion.stay_from,
        stay_until=promotion.stay_until,
        book_from=promotion.book_from,
        book_until=promotion.book_until,
    )


@use_case
async def update_promotion(
    session: AsyncSession, actor: Identity, promotion_id: int, patch: s.PromotionPatch, now: datetime
) -> Promotion:
    """Set what the patch gives, then lift the caps and drop the date bounds it clears; a value both set
    and cleared is refused before anything changes, and so is a result a new promotion could not be
    (a percentage without its percent, a window that ends before it starts...)."""
    for cleared in patch.clear:
        if getattr(patch, cleared) is not None:
            raise RuleViolation(
                ErrorCode.CAP_SET_AND_CLEARED, f"{cleared} is both set and cleared", field=cleared
            )
    promotion = await get_promotion(session, promotion_id)
    before = snapshot(promotion, _PATCHED)
    if patch.kind is not None and patch.kind != promotion.kind:
        for column in (c for kind, columns in _FIGURES.items() if kind != patch.kind for c in columns):
            setattr(promotion, column, None)
    for name in _SET_AS_GIVEN:
        if (value := getattr(patch, name)) is not None:
            setattr(promotion, name, value)
    for name in _LISTS:
        if (values := getattr(patch, name)) is not None:
            setattr(promotion, name, sorted(set(values)))
    if patch.amount is not None:
        promotion.amount_minor = patch.amount.amount_minor
    if patch.budget is not None:
        promotion.budget_minor = patch.budget.amount_minor
    for cleared in patch.clear:
        setattr(promotion, _CLEARED_COLUMNS[cleared], None)
    _check_shape(_as_created(promotion))
    await session.flush()
    audit.record(
        session,
        actor,
        AuditKind.PROMOTION_CHANGED,
        Subject("promotion", str(promotion_id)),
        now,
        before=before,
        after=snapshot(promotion, _PATCHED),
    )
    return promotion


async def promotions_with_usage(
    session: AsyncSession, now: datetime, promotion_id: int | None = None
) -> list[tuple[Promotion, Usage]]:
    query = select(Promotion).order_by(Promotion.id)
    if promotion_id is not None:
        query = query.where(Promotion.id == promotion_id)
    rows = list(await session.scalars(query))
    usage = await usage_of(session, [p.id for p in rows], None, now)
    return [(p, usage.get(p.id, Usage())) for p in rows]
