"""After the draw: a paid offer makes the summer the member's last stay (so their next score is lower) and
is logged at the payment's time; a paid offer whose booking is cancelled frees its unit for the next in
line; a freed unit that nobody waits for is logged; members see their live place on each waiting list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from accounts.models import Member
from booking.campaigns.draw import applicant_of
from booking.domain.allocation import ScoreWeights, score
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import Clock, pay_by_payroll
from tests.e2e.test_campaigns import CODE, Client, drawn

Headers = dict[str, str]


async def _member(settings: Settings, number: str) -> Member:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
    await engine.dispose()
    assert member is not None
    return member


async def _own(client: Client, headers: Headers) -> dict[str, Any]:
    response = await client.get(f"/api/campaigns/{CODE}/application", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _pay(client: Client, headers: Headers) -> str:
    booking_id = str((await _own(client, headers))["offer"]["booking_id"])
    await pay_by_payroll(client, headers, booking_id)
    return booking_id


async def _settle(client: Client, staff: Headers) -> dict[str, int]:
    response = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _log(client: Client, staff: Headers, event: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/campaigns/{CODE}/audit", params={"event": event}, headers=staff)
    return list(response.json())


@dataclass(frozen=True)
class _Paid:
    who: dict[str, Headers]
    results: dict[str, dict[str, Any]]
    payer: str
    waiting: str
    stay_before: int | None  # the payer's last summer stay before this one
    booking_id: str


async def _one_paid_one_waiting(client: Client, clock: Clock, settings: Settings) -> _Paid:
    """Four applicants for three bungalows: one of the three offered has paid, one applicant waits."""
    names = ["M0001", "M0002", "M0003", "M0004"]
    who = await drawn(client, clock, names)
    results = {name: await _own(client, who[name]) for name in names}
    payer = next(name for name in names if results[name]["result"] == "offer")
    waiting = next(name for name in names if results[name]["result"] == "waiting")
    stay_before = (await _member(settings, payer)).last_summer_stay_year
    return _Paid(who, results, payer, waiting, stay_before, await _pay(client, who[payer]))


async def test_a_winner_who_paid_scores_lower_next_season_and_the_payment_is_logged_at_its_time(
    client: Client, clock: Clock, settings: Settings
) -> None:
    who = await drawn(client, clock, ["M0001"])
    before = await _member(settings, "M0001")
    assert before.last_summer_stay_year != 2027
    paid_at = clock.now
    await _pay(client, who["M0001"])
    clock.advance(hours=5)  # the worker settles later than the payment

    assert (await _settle(client, who["staff"]))["paid"] == 1
    after = await _member(settings, "M0001")
    assert after.last_summer_stay_year == 2027
    weights = ScoreWeights()
    assert score(applicant_of(after), weights, 2028) < score(applicant_of(before), weights, 2028)
    [entry] = await _log(client, who["staff"], "paid")
    assert datetime.fromisoformat(entry["at"]) == paid_at
    assert datetime.fromisoformat(entry["detail"]["recorded_at"]) == clock.now


async def test_a_paid_stay_cancelled_before_the_rotation_goes_to_the_next_in_line(
    client: Client, clock: Clock, settings: Settings
) -> None:
    paid = await _one_paid_one_waiting(client, clock, settings)
    who, results, payer, waiting = paid.who, paid.results, paid.payer, paid.waiting
    stay_before, booking_id = paid.stay_before, paid.booking_id
    assert (await _settle(client, who["staff"]))["paid"] == 1
    assert (await _member(settings, payer)).last_summer_stay_year == 2027

    clock.advance(hours=2)
    cancelled = await client.post(f"/api/bookings/{booking_id}/cancel", headers=who[payer])
    assert cancelled.status_code == 200, cancelled.text
    assert (await _own(client, who[payer]))["result"] == "cancelled"  # seen at once, before a settle
    settled = await _settle(client, who["staff"])
    assert (settled["cancelled"], settled["offered"]) == (1, 1)
    assert await _settle(client, who["staff"]) == {
        "paid": 0, "lapsed": 0, "declined": 0, "cancelled": 0, "offered": 0
    }  # fmt: skip

    assert (await _own(client, who[payer]))["offer"]["status"] == "cancelled"
    now_offered = await _own(client, who[waiting])
    assert (now_offered["result"], now_offered["offer"]["status"]) == ("offer", "offered")
    # The stay was not taken: the member's last summer stay is what it was before.
    assert (await _member(settings, payer)).last_summer_stay_year == stay_before
    [entry] = await _log(client, who["staff"], "cancelled")
    assert (entry["application"], entry["detail"]["cancelled_by"]) == (results[payer]["public_id"], "member")
    assert datetime.fromisoformat(entry["at"]) == clock.now
    reoffer = [e for e in await _log(client, who["staff"], "offered") if e["detail"].get("after")]
    assert [(e["application"], e["detail"]["freed_because"]) for e in reoffer] == [
        (results[waiting]["public_id"], "cancelled")
    ]


async def test_paid_and_cancelled_by_staff_between_two_settle_rounds_is_logged_both_ways(
    client: Client, clock: Clock, settings: Settings
) -> None:
    names = ["M0001", "M0002", "M0003", "M0004"]
    who = await drawn(client, clock, names)
    results = {name: await _own(client, who[name]) for name in names}
    payer = next(name for name in names if results[name]["result"] == "offer")
    stay_before = (await _member(settings, payer)).last_summer_stay_year
    paid_at = clock.now
    booking_id = await _pay(client, who[payer])
    clock.advance(hours=1)
    assert (await client.post(f"/api/bookings/{booking_id}/cancel", headers=who["staff"])).status_code == 200
    clock.advance(hours=1)

    settled = await _settle(client, who["staff"])
    assert (settled["paid"], settled["cancelled"], settled["offered"]) == (1, 1, 1)
    [paid] = await _log(client, who["staff"], "paid")
    [cancelled] = await _log(client, who["staff"], "cancelled")
    assert datetime.fromisoformat(paid["at"]) == paid_at
    assert datetime.fromisoformat(cancelled["at"]) == paid_at + timedelta(hours=1)
    assert cancelled["detail"]["cancelled_by"] == "staff"
    assert (await _member(settings, payer)).last_summer_stay_year == stay_before


async def test_a_freed_unit_that_nobody_waits_for_is_logged(client: Client, clock: Clock) -> None:
    who = await drawn(client, clock, ["M0001", "M0002"])  # two applicants, three bungalows
    mine = await _own(client, who["M0001"])
    clock.advance(hours=1)
    declined = await client.post(f"/api/campaigns/{CODE}/application/decline", headers=who["M0001"])
    assert declined.status_code == 200, declined.text

    [entry] = await _log(client, who["staff"], "not_offered")
    assert entry["application"] is None
    assert entry["detail"] == {
        "slot": "ifrane/r1/bungalow",
        "reason": "nobody_waiting",
        "after": mine["public_id"],
        "freed_because": "declined",
    }


async def test_members_see_their_live_place_on_each_waiting_list(client: Client, clock: Clock) -> None:
    names = [f"M{n:04d}" for n in range(1, 6)]  # three bungalows, five applicants: two wait
    who = await drawn(client, clock, names)
    results = {name: await _own(client, who[name]) for name in names}
    first, second = sorted(
        (name for name in names if results[name]["result"] == "waiting"),
        key=lambda name: results[name]["waiting"][0]["position"],
    )
    assert [results[name]["waiting"][0]["position"] for name in (first, second)] == [1, 2]
    holder = next(name for name in names if results[name]["result"] == "offer")

    clock.advance(hours=1)
    declined = await client.post(f"/api/campaigns/{CODE}/application/decline", headers=who[holder])
    assert declined.status_code == 200, declined.text
    assert (await _own(client, who[first]))["result"] == "offer"
    # The first in line was offered the unit: the second is now next, as published they were second.
    place = (await _own(client, who[second]))["waiting"][0]
    assert (place["position"], place["published_position"]) == (1, 2)


async def test_declining_an_offer_paid_then_cancelled_records_the_payment_and_the_cancellation(
    client: Client, clock: Clock, settings: Settings
) -> None:
    paid = await _one_paid_one_waiting(client, clock, settings)
    who, payer, public_id = paid.who, paid.payer, paid.results[paid.payer]["public_id"]
    clock.advance(hours=1)
    assert (
        await client.post(f"/api/bookings/{paid.booking_id}/cancel", headers=who[payer])
    ).status_code == 200

    # No settle round ran since: the offer is still open in the campaign's tables when the member declines.
    declined = await client.post(f"/api/campaigns/{CODE}/application/decline", headers=who[payer])
    assert declined.status_code == 200, declined.text
    assert (declined.json()["result"], declined.json()["offer"]["status"]) == ("cancelled", "cancelled")
    assert await _log(client, who["staff"], "declined") == []
    [paid_entry] = await _log(client, who["staff"], "paid")
    [cancelled] = await _log(client, who["staff"], "cancelled")
    assert paid_entry["application"] == cancelled["application"] == public_id
    assert (await _member(settings, payer)).last_summer_stay_year == paid.stay_before
    assert (await _own(client, who[paid.waiting]))["result"] == "offer"
    published = (await client.get(f"/api/campaigns/{CODE}/offers.csv")).text.splitlines()
    assert published[1].split(",")[5:8] == [public_id, "cancelled", "offer"]
