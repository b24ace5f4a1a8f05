"""Off-season promotions and the one rule that picks the promotion a stay gets.

Kinds: a percentage off the stay, a fixed amount off the stay, or "stay N nights, pay M": for every
complete block of N nights, N-M nights are free, and the free nights are the cheapest ones of the stay
(the member gets what was promised and the budget pays no more than the smallest promised gift).

The rule when several match: only one promotion applies to a stay (no stacking). If any exclusive
promotion matches, the choice is among the exclusive ones only; the member gets the largest discount;
equal discounts go to the older promotion (lower id), so the choice is stable. A promotion with a code
is a candidate only when its code is given (case-insensitive); automatic ones need no code. A given code
that cannot apply is refused with the reason (the member typed it and should know); a valid code still
loses to a better automatic promotion, since the member gets the best.

Several promotions may share a code (say, one per centre): the code is refused only when none of them
applies, and the refusal lists why. A blank code counts as no code. A promotion that would take nothing
off this stay (stay 7 pay 6 on a 5-night stay) does not apply, and a code for it is refused saying so.

Caps: total uses, uses per member, and a budget in MAD. A use is a live booking (held and not expired,
or confirmed onwards). Under the budget the discount is reduced to what is left of it, so the budget is
never exceeded; a promotion whose budget is spent, or whose use caps are reached, does not apply.
`promotion_can_be_used` is the same caps check for a discount already quoted, for a caller that records
uses under the promotion's lock after quoting outside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation
from kernel.money import MAD, Money


class PromotionKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    STAY_PAY = "stay_pay"


@dataclass(frozen=True, slots=True)
class Promotion:
    id: int
    name: str
    kind: PromotionKind
    percent_bp: int = 0
    amount: Money = field(default_factory=lambda: Money.zero(MAD))
    stay_nights: int = 0
    pay_nights: int = 0
    code: str | None = None
    centres: frozenset[str] = frozenset()
    unit_types: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    arrival_weekdays: frozenset[int] = frozenset()
    stay_from: date | None = None
    stay_until: date | None = None
    book_from: date | None = None
    book_until: date | None = None
    min_nights: int = 1
    exclusive: bool = False
    paused: bool = False
    max_uses: int | None = None
    max_uses_per_member: int | None = None
    budget: Money | None = None

    @property
    def has_caps(self) -> bool:
        return self.max_uses is not None or self.max_uses_per_member is not None or self.budget is not None


@dataclass(frozen=True, slots=True)
class Usage:
    """Live uses of a promotion: all members', this member's, and the discount they were given."""

    uses: int = 0
    member_uses: int = 0
    spent: Money = field(default_factory=lambda: Money.zero(MAD))


@dataclass(frozen=True, slots=True)
class StayFacts:
    centre: str
    unit_type: str
    arrival: date
    departure: date
    category: str
    booked_on: date  # the booking day in the centre's time zone

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


@dataclass(frozen=True, slots=True)
class Quote:
    nightly: tuple[Money, ...]
    subtotal: Money
    discount: Money
    promotion: Promotion | None = None

    @property
    def total(self) -> Money:
        return self.subtotal - self.discount

    @property
    def nights(self) -> int:
        return len(self.nightly)


@dataclass(frozen=True, slots=True)
class _Candidate:
    promotion: Promotion
    discount: Money = field(compare=False)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a promotion does not apply: a stable ``reason`` (the pages' words are chosen by it), the
    API's English words, and the figure the words name (``min_nights``, ``stay_nights``…)."""

    reason: str
    words: str
    figures: tuple[tuple[str, int], ...] = ()


def why_not(promotion: Promotion, stay: StayFacts) -> Refusal | None:
    """Why a promotion's conditions exclude this stay (the first that does, in this order), or None when
    they admit it. Each refusal is made only when its condition fails: this runs for every promotion and
    unit type of every availability search (a table of all ten refusals built per call was a tenth of a
    search's CPU in bench/rush.py)."""
    p = promotion
    if p.paused:
        return Refusal("paused", "this promotion is paused")
    if p.centres and stay.centre not in p.centres:
        return Refusal("centre", "not valid at this centre")
    if p.unit_types and stay.unit_type not in p.unit_types:
        return Refusal("unit_type", "not valid for this unit type")
    if p.categories and stay.category not in p.categories:
        return Refusal("category", "not valid for your category")
    if stay.nights < p.min_nights:
        words = f"valid for stays of at least {p.min_nights} nights"
        return Refusal("min_nights", words, (("min_nights", p.min_nights),))
    if p.arrival_weekdays and stay.arrival.isoweekday() not in p.arrival_weekdays:
        return Refusal("arrival_weekday", "not valid for this arrival day")
    last_night = date.fromordinal(stay.departure.toordinal() - 1)
    if (p.stay_from is not None and stay.arrival < p.stay_from) or (
        p.stay_until is not None and last_night > p.stay_until
    ):
        return Refusal("dates", "not valid for these dates")
    if p.book_from is not None and stay.booked_on < p.book_from:
        return Refusal("not_open_yet", "not yet open for booking")
    if p.book_until is not None and stay.booked_on > p.book_until:
        return Refusal("closed", "no longer open for booking")
    return None


def raw_discount(promotion: Promotion, nightly: Sequence[Money]) -> Money:
    """What the promotion takes off the stay before caps, between nothing and the whole subtotal."""
    subtotal = sum(nightly, Money.zero(nightly[0].currency))
    if promotion.kind == PromotionKind.PERCENTAGE:
        discount = subtotal.percent(promotion.percent_bp)
    elif promotion.kind == PromotionKind.FIXED:
        discount = promotion.amount
    else:
        blocks = len(nightly) // promotion.stay_nights if promotion.stay_nights else 0
        free = blocks * max(0, promotion.stay_nights - promotion.pay_nights)
        discount = sum(sorted(nightly)[:free], Money.zero(subtotal.currency))
    return discount.clamp(Money.zero(subtotal.currency), subtotal)


def allowed_discount(promotion: Promotion, usage: Usage, discount: Money) -> Money:
    """The discount the caps still allow: nothing when a use cap is reached, at most the budget left."""
    if not _uses_left(promotion, usage):
        return Money.zero(discount.currency)
    if promotion.budget is not None:
        left = promotion.budget - usage.spent
        return left.clamp(Money.zero(discount.currency), discount)
    return discount


def promotion_can_be_used(promotion: Promotion, usage: Usage, discount: Money) -> bool:
    """Whether recording one more use with this discount keeps every cap: the last check before writing.

    `usage` is the promotion's live usage read under its lock, `member_uses` being the booking member's.
    A discount quoted from an older reading may no longer fit what is left of the budget: then the caller
    quotes again rather than records it.
    """
    within_budget = promotion.budget is None or usage.spent + discount <= promotion.budget
    return (
        not promotion.paused and discount.amount_minor >= 0 and _uses_left(promotion, usage) and within_budget
    )


def _uses_left(promotion: Promotion, usage: Usage) -> bool:
    under_total = promotion.max_uses is None or usage.uses < promotion.max_uses
    under_member = promotion.max_uses_per_member is None or usage.member_uses < promotion.max_uses_per_member
    return under_total and under_member


def quote(
    nightly: Sequence[Money],
    stay: StayFacts,
    promotions: Sequence[Promotion],
    usage: Mapping[int, Usage],
    code: str | None = None,
) -> Quote:
    """The price of a stay with the promotion the rule above picks. Same code for availability and holds."""
    if not nightly:
        raise RuleViolation(ErrorCode.INVALID_STAY, "a stay has at least one night", field="departure")
    subtotal = sum(nightly, Money.zero(nightly[0].currency))
    wanted = _normalised(code)
    judged = [
        (promotion, *_judge(promotion, stay, nightly, usage.get(promotion.id, Usage())))
        for promotion in promotions
        if promotion.code is None or promotion.code.upper() == wanted
    ]
    candidates = [_Candidate(p, discount) for p, discount, reason in judged if reason is None]
    if wanted is not None and not any(c.promotion.code is not None for c in candidates):
        refusals = [reason for p, _discount, reason in judged if p.code is not None and reason is not None]
        raise _code_refused(code, refusals)
    chosen = _best(candidates)
    if chosen is None:
        return Quote(tuple(nightly), subtotal, Money.zero(subtotal.currency))
    return Quote(tuple(nightly), subtotal, chosen.discount, chosen.promotion)


def _judge(
    promotion: Promotion, stay: StayFacts, nightly: Sequence[Money], usage: Usage
) -> tuple[Money, Refusal | None]:
    """The discount a promotion gives this stay, or nothing and the reason, said as the member reads it."""
    nothing = Money.zero(nightly[0].currency)
    reason = why_not(promotion, stay)
    if reason is not None:
        return nothing, reason
    offered = raw_discount(promotion, nightly)
    if offered.amount_minor == 0:
        return nothing, _why_nothing_off(promotion)
    allowed = allowed_discount(promotion, usage, offered)
    if allowed.amount_minor == 0:
        return nothing, Refusal("used_up", "this promotion has been used up")
    return allowed, None


def _why_nothing_off(promotion: Promotion) -> Refusal:
    if promotion.kind == PromotionKind.STAY_PAY:
        return Refusal(
            "too_short",
            f"stay {promotion.stay_nights} nights, pay {promotion.pay_nights}: this stay is too short",
            (("stay_nights", promotion.stay_nights), ("pay_nights", promotion.pay_nights)),
        )
    return Refusal("nothing_off", "takes nothing off this stay")


def _normalised(code: str | None) -> str | None:
    # Members type codes from a poster or a message: case and surrounding spaces must not matter. Stored
    # codes are compared as stored (upper-cased only), as the hold's caps lock selects them that way.
    stripped = code.strip().upper() if code else ""
    return stripped or None


def _code_refused(code: str | None, refusals: Sequence[Refusal]) -> RuleViolation:
    """The refusal of a typed code: the API's detail lists every reason; ``params`` carry the first
    one's ``reason`` and figures, which the pages put in words ("unknown" when no promotion has it)."""
    why = "; ".join(dict.fromkeys(r.words for r in refusals)) or "no promotion has this code"
    first = refusals[0] if refusals else Refusal("unknown", "no promotion has this code")
    params: dict[str, int | str] = {"reason": first.reason, **dict(first.figures)}
    return RuleViolation(
        ErrorCode.PROMO_NOT_APPLICABLE, f"promotion code {code}: {why}", field="promo_code", params=params
    )


def _best(candidates: list[_Candidate]) -> _Candidate | None:
    exclusive = [c for c in candidates if c.promotion.exclusive]
    pool = exclusive or candidates
    return min(pool, key=lambda c: (-c.discount.amount_minor, c.promotion.id), default=None)
