"""HTTP for paying: checkout, the Stripe webhook, and the test-mode confirmation page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.domain.identity import STAFF, Identity
from accounts.guards import requires_member_or_staff
from kernel.http.schemas import money_out
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments import on_behalf, services, webhooks
from payments import schemas as s
from payments.models import Instalment
from payments.providers import CardProvider


def provider_of(request: Request[Any, Any, Any]) -> CardProvider:
    provider: CardProvider = request.app.state.card_provider
    return provider


class CheckoutController(Controller):
    path = "/api/bookings"
    tags = ["payments"]

    @post(
        "/{booking_id:uuid}/checkout",
        guards=[requires_member_or_staff],
        status_code=200,
        summary="Pay a hold by card (returns the intent) or by payroll deduction (confirms at once)",
        description=(
            "Staff may pay a member's hold by payroll deduction on the member's behalf; a card payment is "
            "the member's own (403 `card_by_member_only` for staff: the member pays on their booking page)."
        ),
    )
    async def checkout(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[s.CheckoutIn],
    ) -> s.CheckoutOut:
        if request.user.role == STAFF:
            if data.method == "card":
                raise on_behalf.refuse_card_for_member(booking_id)
            instalments = await on_behalf.pay_by_payroll_for_member(
                uow, request.user, booking_id, data.instalments or 1, now
            )
            return payroll_out(booking_id, instalments)
        if data.method == "card":
            provider = provider_of(request)
            payment = await services.checkout_card(uow, request.user, booking_id, provider, now)
            redirect = f"/payments/test/{payment.provider_ref}" if payment.provider == "test" else None
            return s.CheckoutOut(
                booking_id=booking_id,
                method="card",
                provider=payment.provider,
                status=payment.status,
                payment_id=payment.id,
                client_secret=payment.client_secret,
                redirect_url=redirect,
            )
        instalments = await services.checkout_payroll(
            uow, request.user, booking_id, data.instalments or 1, now
        )
        return payroll_out(booking_id, instalments)


def payroll_out(booking_id: uuid.UUID, instalments: list[Instalment]) -> s.CheckoutOut:
    return s.CheckoutOut(
        booking_id=booking_id,
        method="payroll",
        provider="payroll",
        status="confirmed",
        instalments=[
            s.InstalmentOut(
                i.number, i.count, i.month, money_out(Money(i.amount_minor, i.currency)), i.status
            )
            for i in instalments
        ],
    )


class StripeWebhookController(Controller):
    path = "/api/payments/stripe"
    tags = ["payments"]

    @post("/webhook", exclude_from_auth=True, status_code=200, summary="Stripe events (signature verified)")
    async def webhook(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> s.WebhookOut:
        settings = request.app.state.settings
        event = webhooks.verify(
            await request.body(), request.headers.get("stripe-signature"), settings.stripe_webhook_secret
        )
        first_time = await webhooks.handle(uow, provider_of(request), event, now)
        return s.WebhookOut(received=True, duplicate=not first_time)
