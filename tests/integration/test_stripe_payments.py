"""The Stripe path against a real Stripe-compatible server (localstripe) on loopback.

Webhooks are signed with the SDK's own signature helper; the app re-reads every PaymentIntent from the
server before acting, so these tests also check that a lying or replayed event changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from estivage.app import create_app
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment, ProcessedEvent
from payments.providers import StripeProvider
from payments.reports import reconcile
from tests.conftest import Clock, assert_ledger_balanced, hold, login
from tests.support.localstripe import localstripe_server

SECRET = "whsec_estivage_tests"


@pytest.fixture(scope="session")
def stripe_base() -> Iterator[str]:
    with localstripe_server() as base:
        yield base


@pytest.fixture
def stripe_client(stripe_base: str) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_estivage", base_addresses={"api": stripe_base}, max_network_retries=0)


@pytest.fixture
async def client(
    settings: Settings, clock: Clock, stripe_base: str
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    with_stripe = dataclasses.replace(
        settings, stripe_api_key="sk_test_estivage", stripe_api_base=stripe_base, stripe_webhook_secret=SECRET
    )
    async with AsyncTestClient(app=create_app(with_stripe, clock=clock)) as test_client:
        yield test_client


def pay(stripe_client: stripe.StripeClient, intent_id: str, card: str = "4242424242424242") -> Any:
    """What Stripe.js does in the member's browser: attach a card and confirm."""
    method = stripe_client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    stripe_client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return stripe_client.v1.payment_intents.confirm(intent_id)


def event(kind: str, intent_id: str, event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": {"id": intent_id, "object": "payment_intent"}},
    }
    return json.dumps(body).encode()


async def deliver(
    client: AsyncTestClient[Any], payload: bytes, secret: str = SECRET, timestamp: int | None = None
) -> Any:
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp)
    return await client.post(
        "/api/payments/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


async def _paid_intent(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient
) -> tuple[Any, dict[str, str], str]:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    checkout = (
        await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    ).json()
    intent_id = checkout["client_secret"].split("_secret_")[0]
    return booking, member, intent_id


async def test_a_card_payment_through_stripe_confirms_the_booking_once_paid(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient
) -> None:
    booking, member, intent_id = await _paid_intent(client, stripe_client)
    intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.currency) == (booking["price"]["total"]["amount_minor"], "mad")
    assert intent.metadata.to_dict() == {"booking_id": booking["id"]}
    early = await deliver(client, event("payment_intent.succeeded", intent_id))
    assert early.status_code == 200  # a lying event: the intent is not paid yet
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()["status"] == "held"
    assert pay(stripe_client, intent_id).status == "succeeded"
    assert (await deliver(client, event("payment_intent.succeeded", intent_id))).status_code == 200
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"


async def test_every_event_three_times_in_any_order_confirms_exactly_once(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, settings: Settings
) -> None:
    booking, member, intent_id = await _paid_intent(client, stripe_client)
    pay(stripe_client, intent_id)
    events = [
        event(kind, intent_id, f"evt_{kind}_{booking['id'][:8]}")
        for kind in ("payment_intent.created", "payment_intent.succeeded", "charge.succeeded")
    ]
    deliveries = events * 3
    random.Random(7).shuffle(deliveries)
    answers = [(await deliver(client, payload)).json() for payload in deliveries]
    assert sum(not a["duplicate"] for a in answers) == 3
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        payments = list(await session.scalars(select(Payment)))
        seen = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    await engine.dispose()
    assert [(p.status, p.amount_minor) for p in payments] == [
        ("succeeded", booking["price"]["total"]["amount_minor"])
    ]
    assert seen == 3
    await assert_ledger_balanced(settings)


async def test_forged_stale_or_unsigned_webhooks_change_nothing(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient
) -> None:
    booking, member, intent_id = await _paid_intent(client, stripe_client)
    pay(stripe_client, intent_id)
    payload = event("payment_intent.succeeded", intent_id)
    forged = await deliver(client, payload, secret="whsec_someone_else")
    stale = await deliver(client, payload, timestamp=int(time.time()) - 3600)
    unsigned = await client.post("/api/payments/stripe/webhook", content=payload)
    tampered_header = stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET)
    tampered = await client.post(
        "/api/payments/stripe/webhook",
        content=payload.replace(b"succeeded", b"succeedeX"),
        headers={"Stripe-Signature": tampered_header},
    )
    for response in (forged, stale, unsigned, tampered):
        assert response.status_code == 400
        assert response.json()["code"] == "bad_signature"
    unknown = await deliver(client, event("customer.created", intent_id))
    assert unknown.status_code == 200
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()["status"] == "held"


async def test_cancelling_a_stripe_paid_stay_refunds_through_stripe(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, settings: Settings
) -> None:
    booking, member, intent_id = await _paid_intent(client, stripe_client)
    pay(stripe_client, intent_id)
    await deliver(client, event("payment_intent.succeeded", intent_id))
    cancelled = (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)).json()
    assert cancelled["refund"] == booking["price"]["total"]
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id})
    assert [r.amount for r in refunds.data] == [booking["price"]["total"]["amount_minor"]]
    await assert_ledger_balanced(settings)


async def test_reconcile_agrees_with_stripe_and_names_a_difference(
    client: AsyncTestClient[Any], stripe_client: stripe.StripeClient, settings: Settings, stripe_base: str
) -> None:
    _booking, _member, intent_id = await _paid_intent(client, stripe_client)
    pay(stripe_client, intent_id)
    await deliver(client, event("payment_intent.succeeded", intent_id))
    provider = StripeProvider("sk_test_estivage", stripe_base)
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        assert await reconcile(session, provider) == []
        await session.execute(update(Payment).values(amount_minor=1))
        differences = await reconcile(session, provider)
    await engine.dispose()
    assert [d.payment_ref for d in differences] == [intent_id]
