"""The member's side of paying through CMI: the page that takes the browser to CMI's hosted page, the
return from it, and the page of the payment.

- ``GET /payments/cmi/{order}/go``: the signed form (a fresh ``rnd`` each time), posted to CMI by a small
  static script (``static/cmi-submit.js``: the CSP allows no inline script), with a visible button for a
  browser without script.
- ``POST /payments/cmi/ok`` and ``/fail``: CMI sends the browser back with a cross-site POST. The
  session cookie (SameSite=Lax) is not sent with it, so these need no session and no CSRF token; they
  confirm nothing (anyone can post anything here) and only answer 303 to the payment's own page, a GET
  on which the cookie is sent again.
- ``GET /payments/cmi/{order}``: the member's own payment as CMI's callback left it: confirmed, refused,
  or still waiting for the bank.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member
from estivage.web.common import language, page
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.i18n import N_
from payments import cmi_service
from payments.controllers import cmi_page, providers_of
from payments.providers import CmiProvider

ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The page's words for each state of the payment; a CMI payment is never "pending" once CMI answered.
PAYMENT_STATUS = {
    "pending": N_("Waiting for the bank's answer. Refresh this page in a moment."),
    "succeeded": N_("Payment received: your booking is confirmed."),
    "failed": N_("The payment did not go through: nothing was taken. You can try again from your booking."),
    "refunded": N_("Payment refunded"),
    "cancelled": N_("This payment was given up: the booking's hold had expired."),
}


def _cmi(request: Request[Any, Any, Any]) -> CmiProvider:
    provider = providers_of(request).cmi
    if provider is None:  # the routes exist only when CMI is configured
        raise NotFound(ErrorCode.PROVIDER_NOT_CONFIGURED, "this service takes no payments through CMI")
    return provider


class CmiPages(Controller):
    path = "/payments/cmi"
    guards = [requires_member]
    include_in_schema = False

    @get("/{order_id:str}/go")
    async def go(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        order_id: FromPath[str],
    ) -> Template:
        """The signed form, posted to CMI at once by script; the button for a browser without it."""
        lang = language(request)
        form = await cmi_service.form_to_post(
            db_session, request.user, order_id, _cmi(request), cmi_page(request, lang), now
        )
        return page(request, "pay_cmi.html", form=form)

    @get("/{order_id:str}")
    async def payment(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        order_id: FromPath[str],
    ) -> Template:
        payment = await cmi_service.own_cmi_payment(db_session, request.user, order_id)
        words = PAYMENT_STATUS.get(payment.status, payment.status)
        return page(request, "paycmi.html", payment=payment, status_words=words)


class CmiReturnPages(Controller):
    """Where CMI sends the browser back: no session, no CSRF token, and nothing confirmed here."""

    path = "/payments/cmi"
    include_in_schema = False

    @post(["/ok", "/fail"], exclude_from_auth=True, status_code=303)
    async def back(self, request: Request[Any, Any, Any]) -> Response[Any]:
        order_id = _order_of(await request.body())
        return Redirect(f"/payments/cmi/{order_id}" if order_id else "/bookings", status_code=303)


def _order_of(body: bytes) -> str | None:
    """The ``oid`` CMI posts back, if it looks like one of ours (the rest of the form is not read)."""
    try:
        values = parse_qs(body.decode("utf-8"), max_num_fields=200).get("oid", [])
    except (UnicodeDecodeError, ValueError):
        return None
    return values[0] if len(values) == 1 and ORDER_ID.fullmatch(values[0]) else None
