"""Card payment providers behind one small interface: Stripe, and a built-in test mode.

The test-mode provider is the embedded default when no Stripe key is configured: its "payment" is a
clearly marked confirmation page served by Estivage itself, so the demo works offline. Intents live in
the payments table (provider_ref), so nothing here keeps state of its own.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from kernel.money import MAD, Money


@dataclass(frozen=True, slots=True)
class Intent:
    ref: str
    client_secret: str | None
    redirect_url: str | None


@dataclass(frozen=True, slots=True)
class IntentState:
    ref: str
    status: str  # succeeded | processing | requires_payment_method | canceled ...
    amount: Money
    booking_id: str | None


class CardProvider(Protocol):
    name: str

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent: ...

    async def retrieve(self, ref: str) -> IntentState: ...

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str: ...


class TestModeProvider:
    """No money moves: the member confirms on a page of the service marked TEST MODE."""

    __test__ = False  # not a pytest test class
    name = "test"

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent:
        del amount, idempotency_key
        ref = f"test_pi_{uuid.uuid4().hex}"
        return Intent(
            ref, f"{ref}_secret_{secrets.token_urlsafe(12)}", f"/payments/test/{ref}?booking={booking_id}"
        )

    async def retrieve(self, ref: str) -> IntentState:
        # Test-mode intents are confirmed by the page itself, which is the source of truth.
        return IntentState(ref, "succeeded", Money(0, MAD), None)

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str:
        del amount, idempotency_key
        return f"test_re_{ref.removeprefix('test_pi_')}"


class StripeProvider:
    """Stripe PaymentIntents in MAD through the official SDK, asynchronous; STRIPE_API_BASE points it at a
    Stripe-compatible server (the tests use localstripe on loopback)."""

    name = "stripe"

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        import stripe  # noqa: PLC0415 - only deployments with a Stripe key load the SDK

        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else {},
            http_client=stripe.HTTPXClient(),
            max_network_retries=2,
        )

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent:
        intent = await self._client.v1.payment_intents.create_async(
            params={
                "amount": amount.amount_minor,
                "currency": amount.currency.lower(),
                "metadata": {"booking_id": str(booking_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return Intent(intent.id, intent.client_secret, None)

    async def retrieve(self, ref: str) -> IntentState:
        intent = await self._client.v1.payment_intents.retrieve_async(ref)
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        return IntentState(
            intent.id,
            intent.status,
            Money(intent.amount, intent.currency.upper()),
            metadata.get("booking_id"),
        )

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str:
        refund = await self._client.v1.refunds.create_async(
            params={"payment_intent": ref, "amount": amount.amount_minor},
            options={"idempotency_key": idempotency_key},
        )
        return refund.id
