"""Stripe webhooks: verified, acted on once per event id, in any order.

The event only says that something happened; the PaymentIntent is re-read from Stripe before acting,
so a replayed, reordered or stale event can never confirm a booking that is not paid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from kernel.codes import ErrorCode
from kernel.errors import DomainError
from kernel.uow import UnitOfWork
from payments.late_money import money_secured
from payments.models import ProcessedEvent
from payments.providers import Providers, StripeProvider

HANDLED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"})


class BadSignature(DomainError):
    """The body is not what Stripe signed (or the secret is not ours, or it is too old)."""


def verify(payload: bytes, signature: str | None, secret: str | None) -> dict[str, Any]:
    import stripe  # noqa: PLC0415 - the SDK is loaded only where webhooks arrive

    if not secret or not signature:
        raise BadSignature(ErrorCode.BAD_SIGNATURE, "missing Stripe-Signature header or webhook secret")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as refused:
        raise BadSignature(
            ErrorCode.BAD_SIGNATURE, f"the Stripe signature does not verify: {refused}"
        ) from refused
    return dict(event.to_dict())


async def handle(
    uow: UnitOfWork, providers: Providers, provider: StripeProvider, event: dict[str, Any], now: datetime
) -> bool:
    """Act on one verified event; False when it was seen before (nothing is done twice)."""
    async with uow:
        session = uow.session
        event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
        if await session.scalar(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == event_id)):
            return False
        if kind in HANDLED:
            ref = str(event.get("data", {}).get("object", {}).get("id", ""))
            state = await provider.retrieve(ref)
            if state.status == "succeeded":  # Stripe's own word for a captured intent
                await money_secured(uow, providers, provider, ref, now)
        session.add(ProcessedEvent(event_id=event_id, type=kind, received_at=now))
        await uow.commit()
        return True
