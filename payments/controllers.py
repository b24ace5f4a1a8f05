"""HTTP for paying: checkout, the Stripe webhook, and the test-mode confirmation page."""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from estivage.auth import Identity, requires_member
from inventory.controllers import money_out
from inventory.domain.errors import NotFound
from inventory.domain.money import Money
from kernel.i18n import LOCALE_COOKIE, N_, negotiate_locale, translator
from payments import schemas as s
from payments import services, webhooks
from payments.models import Payment
from payments.providers import CardProvider, TestModeProvider


def provider_of(request: Request[Any, Any, Any]) -> CardProvider:
    provider: CardProvider = request.app.state.card_provider
    return provider


class CheckoutController(Controller):
    path = "/api/bookings"
    tags = ["payments"]

    @post(
        "/{booking_id:uuid}/checkout",
        guards=[requires_member],
        status_code=200,
        summary="Pay a hold by card (returns the intent) or by payroll deduction (confirms at once)",
    )
    async def checkout(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[s.CheckoutIn],
    ) -> s.CheckoutOut:
        if data.method == "card":
            provider = provider_of(request)
            payment = await services.checkout_card(db_session, request.user, booking_id, provider, now)
            await db_session.commit()
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
            db_session, request.user, booking_id, data.instalments or 1, now
        )
        await db_session.commit()
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
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> s.WebhookOut:
        settings = request.app.state.settings
        event = webhooks.verify(
            await request.body(), request.headers.get("stripe-signature"), settings.stripe_webhook_secret
        )
        first_time = await webhooks.handle(db_session, provider_of(request), event, now)
        await db_session.commit()
        return s.WebhookOut(received=True, duplicate=not first_time)


_PAGE = """<!doctype html><html lang="{lang}" dir="{dir}"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Estivage</title>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5">
<p style="background:#b00;color:#fff;padding:.5rem;font-weight:bold" id="test-mode">{banner}</p>
<h1>{title}</h1>
<p>{booking_label} <bdi>{booking}</bdi></p><p>{amount_label}{colon} <strong><bdi>{amount}</bdi></strong></p>
<p>{status_label}{colon} <strong id="payment-status" data-status="{status_code}">{status}</strong></p>
{confirm}
<p><a href="/bookings/{booking}" id="back-to-booking">{back}</a></p>
</body></html>"""
# The test-mode page's words for each state of the payment.
_PAYMENT_STATUS = {
    "pending": N_("Awaiting confirmation"),
    "succeeded": N_("Payment received: your booking is confirmed."),
    "failed": N_("Payment refused"),
    "refunded": N_("Payment refunded"),
}
_CONFIRM = """<form method="post" action="/payments/test/{ref}/confirm">
<button type="submit" style="font:inherit;padding:.6rem 1rem">{label}</button></form>"""


class TestModeController(Controller):
    """The built-in provider's page: the demo pays offline, and says loudly that it is a test."""

    __test__ = False
    path = "/payments/test"
    tags = ["payments"]
    include_in_schema = False

    async def _payment(self, session: AsyncSession, ref: str) -> Payment:
        payment = await session.scalar(
            select(Payment).where(Payment.provider_ref == ref, Payment.provider == "test")
        )
        if payment is None:
            raise NotFound("payment_not_found", f"no test payment {ref}")
        return payment

    @get("/{ref:str}", exclude_from_auth=True, media_type=MediaType.HTML)
    async def page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], ref: FromPath[str]
    ) -> str:
        """In the member's language (the pages' cookie), right to left in Arabic; back to the booking."""
        payment = await self._payment(db_session, ref)
        t = translator(
            negotiate_locale(
                cookie=request.cookies.get(LOCALE_COOKIE),
                accept_language=request.headers.get("accept-language"),
            )
        )
        status = _PAYMENT_STATUS.get(payment.status)
        confirm = _CONFIRM.format(
            ref=html.escape(ref), label=html.escape(t.gettext("Confirm the payment (test)"))
        )
        return _PAGE.format(
            lang=t.locale,
            dir=t.direction,
            colon=":" if t.locale == "ar" else "\u00a0:",
            title=html.escape(t.gettext("Test payment")),
            banner=html.escape(t.gettext("TEST MODE — no money moves")),
            booking_label=html.escape(t.gettext("Booking")),
            booking=html.escape(str(payment.booking_id)),
            amount_label=html.escape(t.gettext("Amount")),
            amount=html.escape(t.money(Money(payment.amount_minor, payment.currency))),
            status_label=html.escape(t.gettext("Payment")),
            status_code=html.escape(payment.status),
            status=html.escape(t.gettext(status) if status else payment.status),
            confirm=confirm if payment.status == "pending" else "",
            back=html.escape(t.gettext("Back to my booking")),
        )

    @post("/{ref:str}/confirm", exclude_from_auth=True, status_code=303)
    async def confirm(
        self, db_session: NamedDependency[AsyncSession], now: NamedDependency[datetime], ref: FromPath[str]
    ) -> Response[None]:
        await self._payment(db_session, ref)
        await services.money_secured(db_session, TestModeProvider(), ref, now)
        await db_session.commit()
        return Response(None, status_code=303, headers={"Location": f"/payments/test/{ref}"})
