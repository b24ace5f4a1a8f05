"""The built-in test-mode provider's page: the demo pays offline, and says loudly that it is a test."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from estivage.web.common import language
from kernel.errors import NotFound
from kernel.i18n import N_, translator
from kernel.money import Money
from payments import services
from payments.models import Payment
from payments.providers import TestModeProvider

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
# The page's words for each state of the payment.
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
        t = translator(language(request))
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
