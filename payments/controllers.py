"""HTTP for paying: checkout, the Stripe webhook, CMI's callback, and the refunds staff make at CMI."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import STAFF, Identity
from accounts.guards import requires_member_or_staff, requires_staff
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.http.schemas import language_of, money_out
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments import cmi_service, on_behalf, receipts, refunds, services, webhooks
from payments import schemas as s
from payments.domain.cmi import CallbackAnswer
from payments.domain.states import Provider, RefundState
from payments.models import Instalment, Payment, PaymentRefund
from payments.providers import CardProvider, CmiProvider, Providers


def providers_of(request: Request[Any, Any, Any]) -> Providers:
    providers: Providers = request.app.state.payment_providers
    return providers


def cmi_page(request: Request[Any, Any, Any], lang: str) -> cmi_service.CmiPage:
    """What the signed form needs of this request; the address is ESTIVAGE_PUBLIC_URL when set (CMI
    must reach the callback there), else the request's own."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return cmi_service.CmiPage(base.rstrip("/"), lang, secrets.token_urlsafe(15))


def checkout_out(booking_id: uuid.UUID, method: str, payment: Payment) -> s.CheckoutOut:
    free = payment.provider == Provider.FREE
    test = payment.provider == Provider.TEST
    return s.CheckoutOut(
        booking_id=booking_id,
        method=method,
        provider=payment.provider,
        status="confirmed" if free else payment.status,
        payment_id=payment.id,
        client_secret=payment.client_secret,
        redirect_url=f"/payments/{payment.provider}/{payment.provider_ref}" if test else None,
    )


def payroll_out(booking_id: uuid.UUID, instalments: list[Instalment]) -> s.CheckoutOut:
    return s.CheckoutOut(
        booking_id=booking_id,
        method="payroll",
        provider=Provider.FREE if not instalments else Provider.PAYROLL,
        status="confirmed",
        instalments=[
            s.InstalmentOut(
                i.number, i.count, i.month, money_out(Money(i.amount_minor, i.currency)), i.status
            )
            for i in instalments
        ],
    )


class CheckoutController(Controller):
    path = "/api/bookings"
    tags = ["payments"]

    @post(
        "/{booking_id:uuid}/checkout",
        guards=[requires_member_or_staff],
        status_code=200,
        summary="Pay a hold: by card (the intent), through CMI (the signed form), by payroll deduction "
        "(confirms at once); a stay priced at zero is confirmed at once whatever the method",
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
            if data.method != "payroll":
                raise on_behalf.refuse_card_for_member(booking_id)
            instalments = await on_behalf.pay_by_payroll_for_member(
                uow, request.user, booking_id, data.instalments or 1, now
            )
            return payroll_out(booking_id, instalments)
        providers = providers_of(request)
        if data.method in {"card", "cmi"}:
            provider = providers.card if data.method == "card" else providers.named(Provider.CMI)
            return await self._by_card(request, uow, now, booking_id, data.method, provider)
        if data.method == "free":
            payment = await services.checkout_free(uow, request.user, booking_id, now)
            return checkout_out(booking_id, data.method, payment)
        instalments = await services.checkout_payroll(
            uow, request.user, booking_id, data.instalments or 1, now
        )
        return payroll_out(booking_id, instalments)

    async def _by_card(
        self,
        request: Request[Identity, Any, Any],
        uow: UnitOfWork,
        now: datetime,
        booking_id: uuid.UUID,
        method: str,
        provider: CardProvider,
    ) -> s.CheckoutOut:
        if not isinstance(provider, CmiProvider):
            payment = await services.checkout_card(uow, request.user, booking_id, provider, now)
            return checkout_out(booking_id, method, payment)
        page = cmi_page(request, language_of(request))
        done = await cmi_service.checkout_cmi(uow, request.user, booking_id, provider, page, now)
        out = checkout_out(booking_id, method, done.payment)
        if done.form is not None:
            out.redirect_url = f"/payments/cmi/{done.payment.provider_ref}/go"
            out.form = s.CmiFormOut(action=done.form.action, fields=done.form.fields)
        return out


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
        """Called by Stripe, not by clients: 400 for a missing or wrong `Stripe-Signature`, and nothing
        changes. Events may come twice and in any order; a repeat is answered with `duplicate: true`."""
        settings = request.app.state.settings
        event = webhooks.verify(
            await request.body(), request.headers.get("stripe-signature"), settings.stripe_webhook_secret
        )
        providers = providers_of(request)
        if providers.stripe is None:
            raise NotFound(ErrorCode.PROVIDER_NOT_CONFIGURED, "this service takes no payments through Stripe")
        first_time = await webhooks.handle(uow, providers, providers.stripe, event, now)
        return s.WebhookOut(received=True, duplicate=not first_time)


class CmiCallbackController(Controller):
    path = "/api/payments/cmi"
    tags = ["payments"]

    @post(
        "/callback",
        exclude_from_auth=True,
        status_code=200,
        media_type="text/plain",
        summary="CMI's result for one order (form-encoded, hash version 3 verified): ACTION=POSTAUTH when "
        "it confirms the stay, FAILURE otherwise",
    )
    async def callback(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        """Called by CMI's servers, not by clients. A bad hash or amount confirms nothing; a repeat is
        safe."""
        providers = providers_of(request)
        if providers.cmi is None:  # nothing here can check the hash: nothing is confirmed
            return Response(CallbackAnswer.FAILURE.value, media_type="text/plain")
        answer = await cmi_service.callback(uow, providers, providers.cmi, await request.body(), now)
        return Response(answer.value, media_type="text/plain")


def refund_out(refund: PaymentRefund, payment: Payment) -> s.RefundOut:
    owed = refund.state == RefundState.OWED
    return s.RefundOut(
        id=refund.id,
        booking_id=payment.booking_id,
        payment_id=payment.id,
        provider=payment.provider,
        order_id=payment.provider_ref,
        amount=money_out(Money(refund.amount_minor, refund.currency)),
        reason=refund.reason,
        state=refund.state,
        transaction_id=None if owed else refund.provider_ref,
        created_at=refund.created_at,
        made_at=refund.made_at,
    )


def booking_payments_out(booking_id: uuid.UUID, found: receipts.BookingMoney) -> s.BookingPaymentsOut:
    def receipt_url(payment: Payment, refund: bool = False) -> str:
        return f"/api/payments/{payment.id}/receipt.pdf" + ("?refund=true" if refund else "")

    return s.BookingPaymentsOut(
        booking_id=booking_id,
        payments=[
            s.BookingPaymentOut(
                id=payment.id,
                provider=payment.provider,
                status=payment.status,
                amount=money_out(Money(payment.amount_minor, payment.currency)),
                created_at=payment.created_at,
                succeeded_at=payment.succeeded_at,
                receipt_url=receipt_url(payment) if payment.status in receipts.RECEIPTED else None,
                refund=None
                if refund is None
                else s.ReceiptRefundOut(
                    id=refund.id,
                    amount=money_out(Money(refund.amount_minor, refund.currency)),
                    state=refund.state,
                    created_at=refund.created_at,
                    receipt_url=receipt_url(payment, refund=True),
                ),
            )
            for payment, refund in found.payments
        ],
        instalments=[
            s.InstalmentOut(
                number=i.number,
                count=i.count,
                month=i.month,
                amount=money_out(Money(i.amount_minor, i.currency)),
                status=i.status,
            )
            for i in found.instalments
        ],
    )


class RefundController(Controller):
    path = "/api"
    tags = ["payments"]

    @get(
        "/bookings/{booking_id:uuid}/refunds",
        summary="A booking's refunds and whether each is made or still owed (CMI: made by staff)",
    )
    async def of_booking(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        booking_id: FromPath[uuid.UUID],
    ) -> list[s.RefundOut]:
        """The member's own booking (404 for another's), a manager's centres' or any for staff."""
        found = await refunds.refunds_of_booking(db_session, request.user, booking_id)
        return [refund_out(refund, payment) for refund, payment in found]

    @get(
        "/bookings/{booking_id:uuid}/payments",
        summary="A booking's payments, their refunds and receipts, and its payroll deduction schedule",
    )
    async def payments_of(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        booking_id: FromPath[uuid.UUID],
    ) -> s.BookingPaymentsOut:
        """The member's own booking (404 for another's), a manager's centres' or any for staff: each payment
        with its method, state, receipt link and refund, and the payroll deduction schedule."""
        found = await receipts.money_of_booking(db_session, request.user, booking_id)
        return booking_payments_out(booking_id, found)

    @get(
        "/payments/{payment_id:uuid}/receipt.pdf",
        summary="A payment's receipt as PDF (lang=ar|fr); ?refund=true: the receipt of its refund",
    )
    async def receipt(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        payment_id: FromPath[uuid.UUID],
        lang: FromQuery[str | None] = None,
        refund: FromQuery[bool] = False,
    ) -> Response[bytes]:
        """A payment of a booking the caller may see (a member's own: 404 for another's). In the language
        asked (`lang`), else the caller's."""
        found = await receipts.receipt_of(db_session, request.user, payment_id, refund)
        language = lang if lang in {"ar", "fr"} else language_of(request)
        return Response(
            receipts.receipt_pdf(found, language),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="receipt-{found.number}.pdf"'},
        )

    @get(
        "/payments/refunds/owed",
        guards=[requires_staff],
        summary="Refunds to make in the provider's back office (CMI), oldest first",
    )
    async def owed(self, db_session: NamedDependency[AsyncSession]) -> list[s.RefundOut]:
        """Staff only: the refunds owed through CMI, which staff make in CMI's back office."""
        return [refund_out(o.refund, o.payment) for o in await refunds.owed_refunds(db_session)]

    @post(
        "/payments/refunds/{refund_id:uuid}/made",
        guards=[requires_staff],
        status_code=200,
        summary="Staff made this refund in CMI's back office: record CMI's transaction id",
    )
    async def made(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        refund_id: FromPath[uuid.UUID],
        data: JSONBody[s.RefundMadeIn],
    ) -> s.RefundOut:
        """Staff only. 409 for a refund already recorded as made."""
        done = await refunds.record_refund_made(uow, request.user, refund_id, data.transaction_id, now)
        return refund_out(done.refund, done.payment)
