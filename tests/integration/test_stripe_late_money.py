"""Late card money through Stripe (localstripe on loopback), issue 15 item 1: the review's attack, the
member's own limits, and the intents given up at Stripe when their holds lapse.

The card money here succeeds at Stripe after the hold lapsed but before the member's next hold gives
the intent up (Stripe then refuses the cancellation): the webhook brings late money that must take the
stay again only if every rule allows, or go back at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from estivage import bootstrap
from estivage.app import create_app
from estivage.mail import mail_config
from estivage.worker import run_once
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment
from tests.conftest import Clock, assert_ledger_balanced, hold, login, pause_demo_promotions, pay_by_payroll
from tests.integration.test_stripe_payments import SECRET, deliver, event, pay, stripe_base, stripe_client

__all__ = ["stripe_base", "stripe_client"]  # fixtures of the Stripe tests, used here too

TWELVE_NIGHTS = {"arrival": "2027-01-04", "departure": "2027-01-16"}
TWELVE_MORE = {"arrival": "2027-02-01", "departure": "2027-02-13"}  # 24 nights in 2027: the limit is 21


@pytest.fixture
def with_stripe(settings: Settings, stripe_base: str) -> Settings:
    return dataclasses.replace(
        settings,
        payments=("stripe",),
        stripe_api_key="sk_test_estivage",
        stripe_api_base=stripe_base,
        stripe_webhook_secret=SECRET,
    )


@pytest.fixture
async def client(with_stripe: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(with_stripe, clock=clock)) as test_client:
        yield test_client


async def _card(client: AsyncTestClient[Any], member: dict[str, str], booking_id: str) -> str:
    checkout = await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card"}, headers=member
    )
    assert checkout.status_code == 200, checkout.text
    return str(checkout.json()["client_secret"]).split("_secret_")[0]


async def _status(client: AsyncTestClient[Any], member: dict[str, str], booking_id: str) -> Any:
    return (await client.get(f"/api/bookings/{booking_id}", headers=member)).json()


async def _lapsed_with_a_card_intent(
    client: AsyncTestClient[Any], clock: Clock, **stay: Any
) -> tuple[dict[str, str], Any, str]:
    """M0001's hold with a Stripe intent, then the hold's time runs out: (member, booking, intent)."""
    member = await login(client, "M0001")
    late = (await hold(client, member, **stay)).json()
    intent = await _card(client, member, late["id"])
    clock.advance(minutes=16)
    return member, late, intent


async def _late_money_refunded(
    client: AsyncTestClient[Any],
    stripe_client: stripe.StripeClient,
    member: dict[str, str],
    late: Any,
    intent: str,
) -> None:
    assert (await deliver(client, event("payment_intent.succeeded", intent))).status_code == 200
    lost = await _status(client, member, late["id"])
    assert (lost["status"], lost["notice_code"]) == ("expired", "hold_lost_refunded")
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent})
    assert [r.amount for r in refunds.data] == [late["price"]["total"]["amount_minor"]]


async def test_the_reviews_attack_a_per_member_code_twice_and_28_nights_gives_one_stay_and_a_refund(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock, with_stripe: Settings
) -> None:
    await pause_demo_promotions(with_stripe)
    staff, member = await login(client, "staff"), await login(client, "M0001")
    once = {
        "name": "Une fois",
        "kind": "percentage",
        "percent_bp": 1000,
        "code": "ONCE",
        "max_uses_per_member": 1,
    }
    promotion = (await client.post("/api/promotions", headers=staff, json=once)).json()["id"]
    stay = {"arrival": "2027-01-04", "departure": "2027-01-18"}  # 14 nights, twice: 28 against 21
    late = (await hold(client, member, promo_code="ONCE", **stay)).json()
    intent = await _card(client, member, late["id"])
    clock.advance(minutes=16)
    assert pay(stripe_client, intent).status == "succeeded"  # the card page was still open
    again = (
        await hold(client, member, promo_code="ONCE", arrival="2027-02-01", departure="2027-02-15")
    ).json()
    await pay_by_payroll(client, member, again["id"])
    await _late_money_refunded(client, stripe_client, member, late, intent)
    assert (await _status(client, member, again["id"]))["status"] == "confirmed"
    uses = (await client.get(f"/api/promotions/{promotion}", headers=staff)).json()["uses"]
    assert uses == 1
    await assert_ledger_balanced(with_stripe)


async def test_late_money_cannot_pass_the_members_yearly_off_season_nights(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock, with_stripe: Settings
) -> None:
    member, late, intent = await _lapsed_with_a_card_intent(client, clock, **TWELVE_NIGHTS)
    pay(stripe_client, intent)
    again = (await hold(client, member, **TWELVE_MORE)).json()
    await pay_by_payroll(client, member, again["id"])
    await _late_money_refunded(client, stripe_client, member, late, intent)
    await assert_ledger_balanced(with_stripe)


async def test_late_money_cannot_pass_the_members_open_holds_limit(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock, with_stripe: Settings
) -> None:
    member, late, intent = await _lapsed_with_a_card_intent(client, clock)
    pay(stripe_client, intent)
    assert (await hold(client, member, **TWELVE_MORE)).status_code == 201  # held, unpaid: the one allowed
    await _late_money_refunded(client, stripe_client, member, late, intent)
    await assert_ledger_balanced(with_stripe)


async def test_late_money_within_every_limit_takes_the_stay_again(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock, with_stripe: Settings
) -> None:
    member, late, intent = await _lapsed_with_a_card_intent(client, clock)
    pay(stripe_client, intent)
    assert (await deliver(client, event("payment_intent.succeeded", intent))).status_code == 200
    assert (await _status(client, member, late["id"]))["status"] == "confirmed"
    assert stripe_client.v1.refunds.list(params={"payment_intent": intent}).data == []
    await assert_ledger_balanced(with_stripe)


async def test_the_worker_gives_up_a_lapsed_holds_intent_at_stripe_so_it_can_no_longer_be_paid(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock, with_stripe: Settings
) -> None:
    _member, _late, intent = await _lapsed_with_a_card_intent(client, clock)
    engine = create_disposable_engine(with_stripe.database_url)
    providers = bootstrap.payment_providers(with_stripe)
    handlers = bootstrap.event_handlers(providers, mail=mail_config(with_stripe))
    done = await run_once(session_factory(engine), clock.now, handlers)
    async with session_factory(engine)() as session:
        payment = await session.scalar(select(Payment))
    await engine.dispose()
    assert done["lapsed holds marked expired"] == 1
    assert payment is not None
    assert payment.status == "cancelled"
    assert stripe_client.v1.payment_intents.retrieve(intent).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        pay(stripe_client, intent)


async def test_checking_out_a_lapsed_hold_again_gives_its_intent_up_at_stripe(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, clock: Clock
) -> None:
    member, late, intent = await _lapsed_with_a_card_intent(client, clock)
    again = await client.post(f"/api/bookings/{late['id']}/checkout", json={"method": "card"}, headers=member)
    assert (again.status_code, again.json()["code"]) == (409, "not_payable")
    assert stripe_client.v1.payment_intents.retrieve(intent).status == "canceled"
