"""Summer allocation: who is offered which unit, and who waits where.

Terms. A **slot** is a (centre, rotation, unit type) with a number of units. An **application** has a
member category (e.g. ``active``, ``retired``), a score and up to three ranked choices of slot. The
**priority order** is score descending, then lottery rank ascending (``lottery.py``); position 1 is
served first. A **reservation** (the campaign's quota) is a number of a slot's units reserved for one
category; ``reserve_by_share`` derives them from a percentage per centre and category.

Rule. Each slot takes the applicants who ask for it like this: first, for each category, its best
applicants up to that category's reservation; then the remaining units to the best of everyone else,
whatever their category. Applicants ask for their first choice, then their next one when refused, and
a slot that later receives a better applicant can refuse someone it held (deferred acceptance: the
result does not depend on who asked first, only on the priority order). Each applicant ends with at
most one offer: the best of their choices that they could get under this rule.

Unused reservations. A category's reserved units that none of its applicants take (too few applied,
or they were served by a choice they preferred) go to the other applicants in the priority order,
exactly like units nobody reserved. Reservations are therefore floors, never ceilings: a category
gets beyond its reservation only units that no applicant of another category with reservation room
asked for, and always in priority order.

What this guarantees (checked by the property tests): unit counts are never exceeded; and whenever an
applicant A did not get a slot S that they ranked above their result, S is full, A's category holds
at least its reservation of S, and everyone holding S is ahead of A in the priority order, except
applicants of another category holding one of their category's reserved units. In particular nobody
with a strictly lower score in A's category holds a slot A wanted more than what A got.

Waiting lists. Applicants without an offer wait on every slot they chose, in priority order. Holders
of an offer wait nowhere: a member gets one offer and a paid stay is never moved. When an offer lapses
(or is declined), ``next_offer_after_lapse`` offers the freed unit by the same rule: the first eligible
applicant on that slot's list whose category holds fewer live offers of the slot than its
reservation, or else the first eligible applicant; eligible means neither holding a live offer nor
having lapsed or declined.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from booking.domain.allocation.lottery import JsonValue, canonical_json
from kernel.codes import ErrorCode

MAX_CHOICES = 3


class AllocationError(ValueError):
    """The allocation cannot run on these inputs; ``code`` is stable, ``detail`` is for people."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    centre: str
    rotation: str
    unit_type: str

    def canonical(self) -> list[JsonValue]:
        return [self.centre, self.rotation, self.unit_type]

    def __str__(self) -> str:
        return f"{self.centre}/{self.rotation}/{self.unit_type}"


@dataclass(frozen=True, slots=True)
class Application:
    """One member's application; the id is published, so it must not identify the member."""

    application_id: str
    category: str
    score: int
    choices: tuple[Slot, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.choices) <= MAX_CHOICES:
            raise AllocationError(ErrorCode.CHOICE_COUNT, f"an application ranks 1 to {MAX_CHOICES} choices")
        if len(set(self.choices)) != len(self.choices):
            raise AllocationError(ErrorCode.DUPLICATE_CHOICE, "the same slot is ranked twice")

    def canonical(self) -> dict[str, JsonValue]:
        return {
            "application_id": self.application_id,
            "category": self.category,
            "choices": [slot.canonical() for slot in self.choices],
            "score": self.score,
        }

    def choice_rank(self, slot: Slot) -> int:
        return self.choices.index(slot) + 1


@dataclass(frozen=True, slots=True)
class Campaign:
    """The summer supply: units per slot, and units of a slot reserved per member category."""

    units: Mapping[Slot, int]
    reserved: Mapping[Slot, Mapping[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(count < 0 for count in self.units.values()):
            raise AllocationError(ErrorCode.NEGATIVE_UNITS, "a slot cannot have fewer than 0 units")
        for slot, by_category in self.reserved.items():
            if slot not in self.units:
                raise AllocationError(ErrorCode.UNKNOWN_SLOT, f"{slot} is reserved but has no units")
            if any(count < 0 for count in by_category.values()):
                raise AllocationError(ErrorCode.NEGATIVE_RESERVATION, f"{slot} has a negative reservation")
            if sum(by_category.values()) > self.units[slot]:
                raise AllocationError(
                    ErrorCode.RESERVE_EXCEEDS_UNITS, f"{slot} reserves more units than it has"
                )

    def reserved_for(self, slot: Slot) -> Mapping[str, int]:
        return self.reserved.get(slot, {})


def reserve_by_share(
    units: Mapping[Slot, int], shares: Mapping[str, Mapping[str, int]]
) -> dict[Slot, dict[str, int]]:
    """Reservations from a percentage of each centre's units per category, rounded down per slot.

    Rounding down keeps the sum within the slot's units; the remainders stay open to every category.
    """
    reserved: dict[Slot, dict[str, int]] = {}
    for slot, count in units.items():
        percent = shares.get(slot.centre, {})
        if sum(percent.values()) > 100 or any(share < 0 for share in percent.values()):
            raise AllocationError(
                ErrorCode.BAD_SHARE, f"shares of {slot.centre} must be 0-100 and add up to 100 at most"
            )
        reserved[slot] = {category: count * share // 100 for category, share in percent.items()}
    return reserved


@dataclass(frozen=True, slots=True)
class Offer:
    application_id: str
    category: str
    slot: Slot
    choice_rank: int

    def canonical(self) -> dict[str, JsonValue]:
        return {
            "application_id": self.application_id,
            "category": self.category,
            "choice_rank": self.choice_rank,
            "slot": self.slot.canonical(),
        }


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    application_id: str
    category: str
    choice_rank: int


@dataclass(frozen=True)
class AllocationResult:
    order: tuple[str, ...]
    offers: Mapping[str, Offer]
    waiting_lists: Mapping[Slot, tuple[WaitingEntry, ...]]

    def waiting_list(self, slot: Slot) -> tuple[WaitingEntry, ...]:
        return self.waiting_lists.get(slot, ())

    def canonical(self) -> dict[str, JsonValue]:
        """A stable form: offers by application id, waiting lists by slot, each list in priority order."""
        return {
            "order": list(self.order),
            "offers": [self.offers[key].canonical() for key in sorted(self.offers)],
            "waiting_lists": [
                {"slot": slot.canonical(), "application_ids": [entry.application_id for entry in entries]}
                for slot, entries in sorted(self.waiting_lists.items())
            ],
        }

    def to_json(self) -> str:
        return canonical_json(self.canonical()).decode("utf-8")


def priority_order(applications: Iterable[Application], lottery_order: Sequence[str]) -> list[Application]:
    """Score descending, then lottery rank: the order in which everything is decided."""
    rank = {application_id: index for index, application_id in enumerate(lottery_order)}
    return sorted(
        applications, key=lambda application: (-application.score, rank[application.application_id])
    )


def allocate(
    campaign: Campaign, applications: Sequence[Application], lottery_order: Sequence[str]
) -> AllocationResult:
    _check_inputs(campaign, applications, lottery_order)
    ranked = priority_order(applications, lottery_order)
    holdings = _defer_acceptance(campaign, ranked)
    offers = _offers(ranked, holdings)
    return AllocationResult(
        order=tuple(application.application_id for application in ranked),
        offers=offers,
        waiting_lists=_waiting_lists(ranked, offers),
    )


class _SlotHolding:
    """Who tentatively holds a slot's units during the allocation, by priority position (lower is better)."""

    __slots__ = ("count", "held", "reserved", "units")

    def __init__(self, units: int, reserved: Mapping[str, int]) -> None:
        self.units = units
        self.reserved = reserved
        self.held: dict[str, list[int]] = {}
        self.count = 0

    def admit(self, position: int, category: str) -> int | None:
        """Hold ``position``; return the position this pushes out (possibly itself), if any."""
        insort(self.held.setdefault(category, []), position)
        self.count += 1
        if self.count <= self.units:
            return None
        return self._push_out_worst_unreserved()

    def _push_out_worst_unreserved(self) -> int:
        # The best ``reserved[c]`` holders of each category c sit on reserved units and stay; the
        # worst of the others goes. Some category is always over its reservation here, since the
        # reservations add up to at most the units and the slot holds one applicant too many.
        worst, category = max(
            (held[-1], category)
            for category, held in self.held.items()
            if len(held) > self.reserved.get(category, 0)
        )
        self.held[category].pop()
        self.count -= 1
        return worst

    def positions(self) -> Iterable[int]:
        for held in self.held.values():
            yield from held


def _defer_acceptance(campaign: Campaign, ranked: Sequence[Application]) -> dict[Slot, _SlotHolding]:
    holdings = {
        slot: _SlotHolding(units, campaign.reserved_for(slot)) for slot, units in campaign.units.items()
    }
    choices_tried = [0] * len(ranked)
    # A stack with the best applicant on top; whoever is pushed out asks their next choice at once.
    asking = list(range(len(ranked) - 1, -1, -1))
    while asking:
        position = asking.pop()
        application = ranked[position]
        tried = choices_tried[position]
        if tried == len(application.choices):
            continue
        choices_tried[position] = tried + 1
        pushed_out = holdings[application.choices[tried]].admit(position, application.category)
        if pushed_out is not None:
            asking.append(pushed_out)
    return holdings


def _offers(ranked: Sequence[Application], holdings: Mapping[Slot, _SlotHolding]) -> dict[str, Offer]:
    offers: dict[str, Offer] = {}
    for slot, holding in holdings.items():
        for position in holding.positions():
            application = ranked[position]
            offers[application.application_id] = Offer(
                application.application_id, application.category, slot, application.choice_rank(slot)
            )
    return offers


def _waiting_lists(
    ranked: Sequence[Application], offers: Mapping[str, Offer]
) -> dict[Slot, tuple[WaitingEntry, ...]]:
    lists: dict[Slot, list[WaitingEntry]] = defaultdict(list)
    for application in ranked:
        if application.application_id in offers:
            continue
        for rank, slot in enumerate(application.choices, start=1):
            lists[slot].append(WaitingEntry(application.application_id, application.category, rank))
    return {slot: tuple(entries) for slot, entries in lists.items()}


def _check_inputs(
    campaign: Campaign, applications: Sequence[Application], lottery_order: Sequence[str]
) -> None:
    ids = [application.application_id for application in applications]
    if len(set(ids)) != len(ids):
        raise AllocationError(ErrorCode.DUPLICATE_APPLICATION, "an application id appears twice")
    if len(lottery_order) != len(ids) or set(lottery_order) != set(ids):
        raise AllocationError(
            ErrorCode.LOTTERY_MISMATCH, "the lottery order is not a permutation of the applications"
        )
    for application in applications:
        unknown = [slot for slot in application.choices if slot not in campaign.units]
        if unknown:
            raise AllocationError(
                ErrorCode.UNKNOWN_SLOT, f"{application.application_id} asks for {unknown[0]}, not offered"
            )


@dataclass(frozen=True, slots=True)
class OfferBook:
    """The live offers after the draw and after every lapse so far, and who may not be offered again."""

    live: Mapping[str, Offer]
    withdrawn: frozenset[str] = frozenset()

    @classmethod
    def after_draw(cls, result: AllocationResult) -> OfferBook:
        return cls(dict(result.offers))


def next_offer_after_lapse(
    campaign: Campaign, result: AllocationResult, book: OfferBook, lapsed_application_id: str
) -> tuple[OfferBook, Offer | None]:
    """Withdraw a lapsed (or declined) offer and offer its unit to the next in line, if anyone.

    Returns the new book and the new offer; ``None`` when nobody eligible waits for that slot, in
    which case the unit stays free.
    """
    lapsed = book.live.get(lapsed_application_id)
    if lapsed is None:
        raise AllocationError(ErrorCode.NO_LIVE_OFFER, f"{lapsed_application_id} holds no live offer")
    live = {key: offer for key, offer in book.live.items() if key != lapsed_application_id}
    withdrawn = book.withdrawn | {lapsed_application_id}
    entry = _next_in_line(campaign, lapsed.slot, result.waiting_list(lapsed.slot), OfferBook(live, withdrawn))
    if entry is None:
        return OfferBook(live, withdrawn), None
    offer = Offer(entry.application_id, entry.category, lapsed.slot, entry.choice_rank)
    live[offer.application_id] = offer
    return OfferBook(live, withdrawn), offer


def _next_in_line(
    campaign: Campaign, slot: Slot, waiting: Sequence[WaitingEntry], book: OfferBook
) -> WaitingEntry | None:
    holders = Counter(offer.category for offer in book.live.values() if offer.slot == slot)
    if sum(holders.values()) >= campaign.units[slot]:
        return None
    reserved = campaign.reserved_for(slot)
    eligible = [
        entry
        for entry in waiting
        if entry.application_id not in book.live and entry.application_id not in book.withdrawn
    ]
    # A category still short of its reservation on this slot takes the unit first, as in the draw.
    short = [entry for entry in eligible if holders[entry.category] < reserved.get(entry.category, 0)]
    return next(iter(short or eligible), None)
