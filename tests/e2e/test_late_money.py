"""Card money that arrives after its hold lapsed takes the stay again only when every rule of a new hold
still allows it (issue 15, item 1); otherwise it goes back at once and the member is told.

In the built-in test mode, on both databases. The member's own next hold or checkout gives up their
lapsed holds' card payments (the test page then refuses them, as Stripe refuses a cancelled intent), so
the rules that count another member's bookings are tested here, and those that count the member's own
(a code's uses per member, the yearly nights, open holds) with Stripe, where the money can succeed a
moment before the cancellation (tests/integration/test_stripe_payments.py).
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment
from tests.conftest import (
    Clock,
    assert_ledger_balanced,
    available,
    hold,
    login,
    pause_demo_promotions,
    pay_by_payroll,
)

LATER = {"arrival": "2027-01-10", "departure": "2027-01-14"}  # another stay: its unit stays free


async def _card(client: AsyncTestClient[Any], member: dict[str, str], booking_id: str) -> str:
    """The test page's address of the booking's card payment."""
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member
    )
    assert checkout.status_code == 200, checkout.text
    return str(checkout.json()["redirect_url"]).split("?")[0]


async def _pay_now(client: AsyncTestClient[Any], member: dict[str, str], redirect: str) -> Any:
    return await client.post(redirect + "/confirm", headers=member, follow_redirects=False)


async def _booking(client: AsyncTestClient[Any], member: dict[str, str], booking_id: str) -> Any:
    return (await client.get(f"/api/bookings/{booking_id}", headers=member)).json()


async def _promotion(client: AsyncTestClient[Any], **caps: Any) -> int:
    staff = await login(client, "staff")
    body = {"name": "Code du test", "kind": "percentage", "percent_bp": 1000, "code": "ONCE", **caps}
    created = await client.post("/api/promotions", headers=staff, json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _uses(client: AsyncTestClient[Any], promotion_id: int) -> int:
    staff = await login(client, "staff")
    return int((await client.get(f"/api/promotions/{promotion_id}", headers=staff)).json()["uses"])


async def _refused_at_once(client: AsyncTestClient[Any], member: dict[str, str], booking_id: str) -> None:
    lost = await _booking(client, member, booking_id)
    assert lost["status"] == "expired"
    assert lost["notice_code"] == "hold_lost_refunded"
    assert "refunded in full" in lost["notice"]


async def test_late_money_cannot_take_a_codes_last_use_another_member_took_meanwhile(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    await pause_demo_promotions(settings)
    promotion = await _promotion(client, max_uses=1)
    first, second = await login(client, "M0001"), await login(client, "M0002")
    late = (await hold(client, first, promo_code="ONCE")).json()
    redirect = await _card(client, first, late["id"])
    clock.advance(minutes=16)
    taken = await hold(client, second, promo_code="ONCE", **LATER)
    assert taken.status_code == 201, taken.text  # the lapsed hold no longer holds the use
    paid = await client.post(
        f"/api/bookings/{taken.json()['id']}/checkout", json={"method": "payroll"}, headers=second
    )
    assert paid.status_code == 200
    await _pay_now(client, first, redirect)
    await _refused_at_once(client, first, late["id"])
    assert await _uses(client, promotion) == 1
    await assert_ledger_balanced(settings)


async def test_late_money_cannot_spend_a_budget_another_member_spent_meanwhile(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    await pause_demo_promotions(settings)
    budget = {"amount_minor": 10_000, "currency": "MAD"}  # one stay's 10% of 1,000 MAD
    promotion = await _promotion(client, budget=budget)
    first, second = await login(client, "M0001"), await login(client, "M0002")
    late = (await hold(client, first, promo_code="ONCE")).json()
    assert late["price"]["discount"] == budget
    redirect = await _card(client, first, late["id"])
    clock.advance(minutes=16)
    assert (await hold(client, second, promo_code="ONCE", **LATER)).json()["price"]["discount"] == budget
    await _pay_now(client, first, redirect)
    await _refused_at_once(client, first, late["id"])
    staff = await login(client, "staff")
    spent = (await client.get(f"/api/promotions/{promotion}", headers=staff)).json()["spent"]
    assert spent == budget
    await assert_ledger_balanced(settings)


async def test_late_money_cannot_pass_the_retired_quota_even_with_its_own_unit_still_free(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    # Ifrane has three bungalows; retired members may take half of a type off-season: one.
    bungalow = {"unit_type": "bungalow", "guests": 4}
    active, retired = await login(client, "M0001"), await login(client, "M0005")
    first = (await hold(client, active, **bungalow)).json()
    late = (await hold(client, retired, **bungalow)).json()
    redirect = await _card(client, retired, late["id"])
    assert (await client.post(f"/api/bookings/{first['id']}/cancel", headers=active)).status_code == 200
    clock.advance(minutes=16)
    meanwhile = (await hold(client, await login(client, "M0010"), **bungalow)).json()
    assert meanwhile["unit"] == first["unit"]  # the lowest free unit: the late hold's own stays free
    await _pay_now(client, retired, redirect)
    await _refused_at_once(client, retired, late["id"])
    assert await available(client, await login(client, "M0002"), unit_type="bungalow", guests=4) == 2
    await assert_ledger_balanced(settings)


async def test_late_money_takes_the_stay_again_on_another_free_unit_when_every_rule_allows(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    first, second = await login(client, "M0001"), await login(client, "M0002")
    before = await available(client, first)
    late = (await hold(client, first)).json()
    redirect = await _card(client, first, late["id"])
    clock.advance(minutes=16)
    meanwhile = (await hold(client, second)).json()
    assert meanwhile["unit"] == late["unit"]
    await _pay_now(client, first, redirect)
    kept = await _booking(client, first, late["id"])
    assert kept["status"] == "confirmed"
    assert kept["unit"] != meanwhile["unit"]
    assert kept["price"] == late["price"]
    assert await available(client, first) == before - 2
    await assert_ledger_balanced(settings)


async def test_late_money_is_refunded_when_the_stay_would_now_cost_another_price(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    member, staff = await login(client, "M0001"), await login(client, "staff")
    late = (await hold(client, member)).json()
    winter = late["price"]["promotion"]
    assert winter is not None  # the demo's automatic "Hiver à Ifrane -15%"
    redirect = await _card(client, member, late["id"])
    clock.advance(minutes=16)
    paused = await client.patch(f"/api/promotions/{winter['id']}", headers=staff, json={"paused": True})
    assert paused.status_code == 200, paused.text
    await _pay_now(client, member, redirect)
    await _refused_at_once(client, member, late["id"])
    await assert_ledger_balanced(settings)


async def test_the_reviews_attack_in_test_mode_leaves_one_stay_and_one_use_of_a_per_member_code(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    await pause_demo_promotions(settings)
    promotion = await _promotion(client, max_uses_per_member=1)
    member = await login(client, "M0001")
    late = (await hold(client, member, promo_code="ONCE")).json()
    redirect = await _card(client, member, late["id"])
    clock.advance(minutes=16)
    again = (await hold(client, member, promo_code="ONCE", **LATER)).json()
    await pay_by_payroll(client, member, again["id"])
    # The second hold gave up the lapsed hold's card payment: its page can no longer be paid.
    assert (await _pay_now(client, member, redirect)).status_code == 409
    assert 'data-status="cancelled"' in (await client.get(redirect, headers=member)).text
    assert (await _booking(client, member, late["id"]))["status"] == "expired"
    assert (await _booking(client, member, again["id"]))["status"] == "confirmed"
    assert await _uses(client, promotion) == 1
    await assert_ledger_balanced(settings)


async def test_paying_a_lapsed_hold_again_is_refused_and_gives_its_card_payment_up(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    member = await login(client, "M0001")
    late = (await hold(client, member)).json()
    redirect = await _card(client, member, late["id"])
    clock.advance(minutes=16)
    again = await client.post(f"/api/bookings/{late['id']}/checkout", json={"method": "card"}, headers=member)
    assert (again.status_code, again.json()["code"]) == (409, "not_payable")
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        status = await session.scalar(select(Payment.status))
    await engine.dispose()
    assert status == "cancelled"
    assert (await _pay_now(client, member, redirect)).status_code == 409
