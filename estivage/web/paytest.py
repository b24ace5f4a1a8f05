"""The built-in test-mode provider's page: the demo pays offline, and says loudly that it is a test.

Only the member who owns the payment sees it and confirms it (with the page's CSRF token); `estivage
serve` refuses to start in test mode unless it is asked for (``ESTIVAGE_PAYMENTS=test``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member
from estivage.web.common import language, page
from kernel.i18n import N_
from kernel.uow import UnitOfWork
from payments import services

# The page's words for each state of the payment.
PAYMENT_STATUS = {
    "pending": N_("Awaiting confirmation"),
    "succeeded": N_("Payment received: your booking is confirmed."),
    "failed": N_("Payment refused"),
    "refunded": N_("Payment refunded"),
}


class TestModeController(Controller):
    __test__ = False
    path = "/payments/test"
    guards = [requires_member]
    include_in_schema = False

    @get("/{ref:str}")
    async def page(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        ref: FromPath[str],
    ) -> Template:
        """In the member's language, right to left in Arabic; back to the booking."""
        payment = await services.own_test_payment(db_session, request.user, ref)
        colon = ":" if language(request) == "ar" else "\u00a0:"
        status_words = PAYMENT_STATUS.get(payment.status, payment.status)
        return page(request, "paytest.html", payment=payment, colon=colon, status_words=status_words)

    @post("/{ref:str}/confirm", status_code=303)
    async def confirm(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        ref: FromPath[str],
    ) -> Response[None]:
        await services.confirm_test_payment(uow, request.user, ref, now)
        return Response(None, status_code=303, headers={"Location": f"/payments/test/{ref}"})
