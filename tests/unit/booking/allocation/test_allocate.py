"""Allocation: priority, reservations (the quotas), waiting lists and lapses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.domain.allocation.allocate import (
    AllocationError,
    AllocationResult,
    Application,
    Campaign,
    OfferBook,
    Slot,
    allocate,
    next_offer_after_lapse,
    reserve_by_share,
)

S1 = Slot("saidia", "R1", "studio")
S2 = Slot("saidia", "R1", "bungalow")
S3 = Slot("ifrane", "R2", "studio")


def app(application_id: str, score: int, *choices: Slot, category: str = "active") -> Application:
    return Application(application_id, category, score, choices)


def run(
    campaign: Campaign, applications: Sequence[Application], lottery: Sequence[str] = ()
) -> AllocationResult:
    """Allocate with the given lottery order, or by application id when none is given."""
    order = list(lottery) or sorted(a.application_id for a in applications)
    return allocate(campaign, applications, order)


def offered(result: AllocationResult) -> dict[str, Slot]:
    return {key: offer.slot for key, offer in result.offers.items()}


def waiting_ids(result: AllocationResult, slot: Slot) -> list[str]:
    return [entry.application_id for entry in result.waiting_list(slot)]


def test_the_higher_score_gets_the_unit() -> None:
    result = run(Campaign({S1: 1}), [app("low", 10, S1), app("high", 30, S1)])
    assert offered(result) == {"high": S1}
    assert waiting_ids(result, S1) == ["low"]


def test_equal_scores_follow_the_lottery() -> None:
    applications = [app("x", 20, S1), app("y", 20, S1)]
    assert offered(run(Campaign({S1: 1}), applications, ["y", "x"])) == {"y": S1}
    assert offered(run(Campaign({S1: 1}), applications, ["x", "y"])) == {"x": S1}


def test_first_choice_first_then_the_next() -> None:
    applications = [app("a", 30, S1, S2), app("b", 20, S1, S2, S3), app("c", 10, S1, S2, S3)]
    result = run(Campaign({S1: 1, S2: 1, S3: 1}), applications)
    assert {key: offer.choice_rank for key, offer in result.offers.items()} == {"a": 1, "b": 2, "c": 3}
    assert offered(result) == {"a": S1, "b": S2, "c": S3}


def test_a_better_applicant_refused_elsewhere_still_comes_first() -> None:
    # "b" is considered for S2 before "a" is refused at S1 (its reservation is held for retired "r");
    # "a" must still take S2 ahead of "b".
    campaign = Campaign({S1: 1, S2: 1}, {S1: {"retired": 1}})
    applications = [app("a", 30, S1, S2), app("b", 20, S2), app("r", 10, S1, category="retired")]
    assert offered(run(campaign, applications)) == {"a": S2, "r": S1}


def test_each_applicant_gets_at_most_one_offer_and_the_unit_counts_hold() -> None:
    applications = [app(f"m{n}", n % 4, S1, S2, S3) for n in range(20)]
    result = run(Campaign({S1: 2, S2: 3, S3: 0}), applications)
    assert Counter(offered(result).values()) == {S1: 2, S2: 3}
    assert len(result.offers) == 5


def test_a_reservation_holds_against_higher_scores_of_other_categories() -> None:
    campaign = Campaign({S1: 2}, {S1: {"retired": 1}})
    applications = [app("a1", 50, S1), app("a2", 40, S1), app("r", 5, S1, category="retired")]
    result = run(campaign, applications)
    assert offered(result) == {"a1": S1, "r": S1}
    assert waiting_ids(result, S1) == ["a2"]


def test_reservations_that_fill_the_slot_are_never_exceeded_when_every_category_asks() -> None:
    campaign = Campaign({S1: 5}, {S1: {"retired": 2, "active": 3}})
    applications = [app(f"a{n}", 90 - n, S1) for n in range(6)]
    applications += [app(f"r{n}", 10 + n, S1, category="retired") for n in range(4)]
    result = run(campaign, applications)
    assert Counter(offer.category for offer in result.offers.values()) == {"active": 3, "retired": 2}
    assert sorted(offered(result)) == ["a0", "a1", "a2", "r2", "r3"]


def test_an_unused_reservation_goes_to_the_others_in_priority_order() -> None:
    campaign = Campaign({S1: 3}, {S1: {"retired": 2}})
    applications = [
        app("a1", 50, S1),
        app("a2", 40, S1),
        app("a3", 30, S1),
        app("r", 1, S1, category="retired"),
    ]
    result = run(campaign, applications)
    # one retired applicant uses one reserved unit; the other reserved unit is released to "a2"
    assert sorted(offered(result)) == ["a1", "a2", "r"]
    assert waiting_ids(result, S1) == ["a3"]


def test_a_reservation_is_released_when_its_category_got_a_preferred_choice() -> None:
    campaign = Campaign({S1: 1, S2: 1}, {S2: {"retired": 1}})
    applications = [app("r", 90, S1, S2, category="retired"), app("a", 10, S2)]
    assert offered(run(campaign, applications)) == {"r": S1, "a": S2}


def test_waiting_lists_hold_everyone_without_an_offer_on_every_slot_they_chose() -> None:
    applications = [app("a", 50, S1), app("b", 40, S1, S2), app("c", 30, S2, S1), app("d", 20, S2)]
    result = run(Campaign({S1: 1, S2: 1}), applications)
    assert offered(result) == {"a": S1, "b": S2}
    assert waiting_ids(result, S1) == ["c"]
    assert waiting_ids(result, S2) == ["c", "d"]
    assert [entry.choice_rank for entry in result.waiting_list(S1)] == [2]
    assert result.order == ("a", "b", "c", "d")


def test_same_inputs_same_serialised_result_whatever_the_input_order() -> None:
    applications = [
        app(f"m{n:02d}", n % 3, S1, S2, category="retired" if n % 4 else "active") for n in range(30)
    ]
    campaign = Campaign({S1: 4, S2: 3}, {S1: {"retired": 1}})
    lottery = sorted((a.application_id for a in applications), key=lambda key: key[::-1])
    first = run(campaign, applications, lottery).to_json()
    assert run(campaign, list(reversed(applications)), lottery).to_json() == first
    assert run(campaign, applications, list(reversed(lottery))).to_json() != first


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (
            lambda: run(Campaign({S1: 1}), [app("a", 1, S1), app("a", 2, S1)], ["a", "a"]),
            "duplicate_application",
        ),
        (lambda: run(Campaign({S1: 1}), [app("a", 1, S3)]), "unknown_slot"),
        (lambda: run(Campaign({S1: 1}), [app("a", 1, S1)], ["b"]), "lottery_mismatch"),
        (lambda: Campaign({S1: 2}, {S1: {"retired": 2, "active": 1}}), "reserve_exceeds_units"),
        (lambda: Campaign({S1: 2}, {S2: {"retired": 1}}), "unknown_slot"),
        (lambda: Campaign({S1: -1}), "negative_units"),
        (lambda: app("a", 1), "choice_count"),
        (lambda: app("a", 1, S1, S2, S3, Slot("mdiq", "R1", "studio")), "choice_count"),
        (lambda: app("a", 1, S1, S1), "duplicate_choice"),
        (lambda: reserve_by_share({S1: 10}, {"saidia": {"retired": 60, "active": 50}}), "bad_share"),
    ],
)
def test_inconsistent_inputs_are_refused_with_a_code(make: Callable[[], object], code: str) -> None:
    with pytest.raises(AllocationError) as raised:
        make()
    assert raised.value.code == code


def test_reservations_from_a_share_of_each_centre_round_down() -> None:
    units = {S1: 10, S2: 3, S3: 7}
    reserved = reserve_by_share(units, {"saidia": {"retired": 30}})
    assert reserved == {S1: {"retired": 3}, S2: {"retired": 0}, S3: {}}


# --- lapses -----------------------------------------------------------------------------------------


def test_a_lapsed_offer_goes_to_the_next_on_the_waiting_list() -> None:
    campaign = Campaign({S1: 1, S2: 1})
    result = run(campaign, [app("a", 50, S1), app("b", 40, S2, S1), app("c", 30, S1)])
    book, offer = next_offer_after_lapse(campaign, result, OfferBook.after_draw(result), "a")
    assert offer is not None
    assert (offer.application_id, offer.slot, offer.choice_rank) == ("c", S1, 1)
    assert set(book.live) == {"b", "c"}
    assert book.withdrawn == {"a"}


def test_the_next_in_line_skips_who_holds_an_offer_lapsed_or_declined() -> None:
    campaign = Campaign({S1: 1, S2: 1, S3: 1})
    applications = [
        app("a", 90, S1),
        app("b", 80, S2),
        app("c", 70, S3),
        app("d", 60, S2, S1),
        app("e", 50, S1),
    ]
    result = run(campaign, applications)
    assert waiting_ids(result, S1) == ["d", "e"]
    assert waiting_ids(result, S2) == ["d"]
    book = OfferBook.after_draw(result)
    book, offer = next_offer_after_lapse(campaign, result, book, "b")
    assert offer is not None
    assert offer.application_id == "d"
    book, offer = next_offer_after_lapse(campaign, result, book, "a")
    assert offer is not None
    assert offer.application_id == "e"
    book, offer = next_offer_after_lapse(campaign, result, book, "e")
    assert offer is None  # "a" and "e" lapsed, "d" holds S2: nobody left; the unit stays free
    assert "e" not in book.live


def test_a_freed_unit_goes_first_to_a_category_short_of_its_reservation() -> None:
    campaign = Campaign({S1: 2}, {S1: {"retired": 1}})
    applications = [app("a", 90, S1), app("r1", 50, S1, category="retired"), app("a2", 40, S1)]
    applications.append(app("r2", 10, S1, category="retired"))
    result = run(campaign, applications)
    assert sorted(result.offers) == ["a", "r1"]
    _, offer = next_offer_after_lapse(campaign, result, OfferBook.after_draw(result), "r1")
    assert offer is not None
    assert offer.application_id == "r2"
    _, offer = next_offer_after_lapse(campaign, result, OfferBook.after_draw(result), "a")
    assert offer is not None
    assert offer.application_id == "a2"


def test_without_anyone_of_the_reserved_category_the_freed_unit_is_open() -> None:
    campaign = Campaign({S1: 2}, {S1: {"retired": 1}})
    applications = [app("r1", 50, S1, category="retired"), app("a", 40, S1), app("a2", 30, S1)]
    result = run(campaign, applications)
    _, offer = next_offer_after_lapse(campaign, result, OfferBook.after_draw(result), "r1")
    assert offer is not None
    assert offer.application_id == "a2"


def test_only_a_live_offer_can_lapse() -> None:
    campaign = Campaign({S1: 1})
    result = run(campaign, [app("a", 5, S1), app("b", 1, S1)])
    with pytest.raises(AllocationError) as raised:
        next_offer_after_lapse(campaign, result, OfferBook.after_draw(result), "b")
    assert raised.value.code == "no_live_offer"


# --- properties ---------------------------------------------------------------------------------------

CATEGORIES = ("active", "retired", "other")  # "other" has no reservation anywhere
SLOTS = [Slot(c, r, t) for c in ("saidia", "ifrane") for r in ("R1", "R2") for t in ("studio", "bungalow")]
Draw = tuple[Campaign, list[Application], list[str]]


def some_reservations(draw: st.DrawFn, units: int) -> dict[str, int]:
    retired = draw(st.integers(0, units))
    return {"retired": retired, "active": draw(st.integers(0, units - retired))}


def no_reservation(_draw: st.DrawFn, _units: int) -> dict[str, int]:
    return {}


@st.composite
def draws(draw: st.DrawFn, reserve: Callable[[st.DrawFn, int], dict[str, int]] = some_reservations) -> Draw:
    slots = draw(st.lists(st.sampled_from(SLOTS), min_size=1, max_size=5, unique=True))
    units = {slot: draw(st.integers(0, 4)) for slot in slots}
    reserved = {slot: reserve(draw, units[slot]) for slot in slots}
    applications = [
        Application(
            f"m{number:02d}",
            draw(st.sampled_from(CATEGORIES)),
            draw(st.integers(0, 4)),  # few scores, many ties
            tuple(draw(st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True))),
        )
        for number in range(draw(st.integers(0, 25)))
    ]
    lottery = draw(st.permutations([a.application_id for a in applications]))
    return Campaign(units, reserved), applications, list(lottery)


def prefers(application: Application, slot: Slot, result: AllocationResult) -> bool:
    """The applicant ranked ``slot`` above what they got (or got nothing)."""
    if slot not in application.choices:
        return False
    offer = result.offers.get(application.application_id)
    return offer is None or application.choice_rank(slot) < offer.choice_rank


def holders(result: AllocationResult, slot: Slot, category: str | None = None) -> list[str]:
    """Who holds ``slot`` (of ``category``), in priority order."""
    return [
        key
        for key in result.order
        if key in result.offers
        and result.offers[key].slot == slot
        and category in (None, result.offers[key].category)
    ]


def on_reserved_unit(campaign: Campaign, result: AllocationResult, slot: Slot, holder: str) -> bool:
    category = result.offers[holder].category
    return holder in holders(result, slot, category)[: campaign.reserved_for(slot).get(category, 0)]


@given(draws())
def test_property_unit_counts_are_never_exceeded_and_offers_are_choices(case: Draw) -> None:
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    by_id = {a.application_id: a for a in applications}
    for slot, taken in Counter(offer.slot for offer in result.offers.values()).items():
        assert taken <= campaign.units[slot]
    for key, offer in result.offers.items():
        assert offer.slot in by_id[key].choices
        assert offer.choice_rank == by_id[key].choice_rank(offer.slot)
        assert offer.category == by_id[key].category


@given(draws())
def test_property_whoever_misses_a_wanted_slot_lost_it_by_priority_or_to_a_reservation(case: Draw) -> None:
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    position = {key: index for index, key in enumerate(result.order)}
    for a in applications:
        for slot in (s for s in a.choices if prefers(a, s, result)):
            assert len(holders(result, slot)) == campaign.units[slot]
            assert len(holders(result, slot, a.category)) >= campaign.reserved_for(slot).get(a.category, 0)
            for behind in (b for b in holders(result, slot) if position[b] > position[a.application_id]):
                assert result.offers[behind].category != a.category
                assert on_reserved_unit(campaign, result, slot, behind)


@given(draws())
def test_property_no_better_score_loses_a_wanted_slot_to_a_worse_score_of_its_category(case: Draw) -> None:
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    by_id = {a.application_id: a for a in applications}
    for a in applications:
        for slot in (s for s in a.choices if prefers(a, s, result)):
            assert all(by_id[b].score >= a.score for b in holders(result, slot, a.category))


@given(draws())
def test_property_a_category_goes_over_its_reservation_only_at_nobodys_expense(case: Draw) -> None:
    """Over-reservation units go to applicants ahead of anyone else who wanted the slot, and never while
    another category that wanted the slot is short of its own reservation."""
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    position = {key: index for index, key in enumerate(result.order)}
    for slot in campaign.units:
        reserved = campaign.reserved_for(slot)
        extra = [b for b in holders(result, slot) if not on_reserved_unit(campaign, result, slot, b)]
        for a in (a for a in applications if prefers(a, slot, result)):
            assert len(holders(result, slot, a.category)) >= reserved.get(a.category, 0)
            assert all(position[b] < position[a.application_id] for b in extra)


@given(draws())
def test_property_waiting_lists_are_the_unserved_in_priority_order(case: Draw) -> None:
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    by_id = {a.application_id: a for a in applications}
    for slot in campaign.units:
        expected = [k for k in result.order if k not in result.offers and slot in by_id[k].choices]
        assert waiting_ids(result, slot) == expected
        assert all(
            e.choice_rank == by_id[e.application_id].choice_rank(slot) for e in result.waiting_list(slot)
        )


@given(draws(no_reservation))
def test_property_without_reservations_it_is_first_come_in_priority_order(case: Draw) -> None:
    """With no quota the rule is simply: in priority order, each takes their best choice still free."""
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    free = dict(campaign.units)
    expected: dict[str, Slot] = {}
    by_id = {a.application_id: a for a in applications}
    for key in result.order:
        slot = next((s for s in by_id[key].choices if free[s] > 0), None)
        if slot is not None:
            free[slot] -= 1
            expected[key] = slot
    assert offered(result) == expected


@given(draws())
def test_property_the_result_is_deterministic(case: Draw) -> None:
    campaign, applications, lottery = case
    first = allocate(campaign, applications, lottery)
    assert allocate(campaign, list(reversed(applications)), lottery).to_json() == first.to_json()


@given(draws(), st.data())
def test_property_lapses_never_exceed_units_nor_give_two_offers(case: Draw, data: st.DataObject) -> None:
    campaign, applications, lottery = case
    result = allocate(campaign, applications, lottery)
    book = OfferBook.after_draw(result)
    for _ in range(data.draw(st.integers(0, 8))):
        if not book.live:
            break
        lapsed = data.draw(st.sampled_from(sorted(book.live)))
        before = book
        book, offer = next_offer_after_lapse(campaign, result, book, lapsed)
        assert lapsed in book.withdrawn
        assert lapsed not in book.live
        if offer is not None:
            assert offer.slot == before.live[lapsed].slot
            assert offer.application_id not in before.live
            assert offer.application_id not in before.withdrawn
            assert offer.application_id in waiting_ids(result, offer.slot)
        for slot, taken in Counter(o.slot for o in book.live.values()).items():
            assert taken <= campaign.units[slot]
