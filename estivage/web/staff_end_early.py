"""Staff end a stay going on early from its booking page (``/staff/bookings/{id}``): a confirmation page
shows what was paid, the day the stay ends (today, at the centre) and what each refund rule gives back
(none, the unused nights' share, everything, or an amount staff name); its form, with the page's CSRF
token, calls the same use case as ``POST /api/bookings/{id}/end-early`` (``booking.reception.services``).
Done, the booking page says what was refunded (shown once); refused, the confirmation page shows why,
beside the form, with the refusal's status (409 from a stay not in progress, 422 for a bad amount)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from booking import services as bookings
from booking.domain import states
from booking.domain.reception import EarlyRefund, early_refund
from booking.reception import services as reception
from estivage.problems import status_of
from estivage.web import error_words as words
from estivage.web.common import Errors, form_errors, language, page
from estivage.web.flash import say
from estivage.web.forms import FieldError, hundredths
from estivage.web.names import load_names
from inventory.domain.calendar import local_today
from inventory.snapshot import centre_view
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.money import MAD, Money
from kernel.uow import UnitOfWork

# Each rule's words on the confirmation page, in the order offered.
RULES = {
    EarlyRefund.UNUSED_NIGHTS: N_("Refund the nights not used, from today on"),
    EarlyRefund.NONE: N_("No refund: the member leaves of their own will"),
    EarlyRefund.FULL: N_("Refund everything paid: the centre failed the member"),
    EarlyRefund.AMOUNT: N_("Refund an amount I name"),
}
ENDED = N_("Stay ended today: %(refund)s refunded.")


class StaffEndEarlyPages(Controller):
    path = "/staff/bookings"
    guards = [requires_staff]
    include_in_schema = False

    async def _confirmation(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        booking_id: uuid.UUID,
        values: dict[str, str],
        errors: Errors,
        status_code: int = 200,
    ) -> Template:
        view = await bookings.get_booking(session, request.user, booking_id)
        b = view.booking
        centre = await centre_view(session, view.centre)
        today = local_today(now, centre.time_zone)
        paid = Money(b.total_minor, b.currency)
        in_progress = b.status == states.CHECKED_IN
        previews = {
            rule: early_refund(rule, paid, b.nightly_minor, b.arrival, today)
            for rule in RULES
            if rule != EarlyRefund.AMOUNT
        }
        return page(
            request,
            "staff_end_early.html",
            status_code=status_code,
            view=view,
            b=b,
            today=today,
            paid=paid,
            in_progress=in_progress,
            rules=RULES,
            previews=previews,
            values=values,
            errors=errors,
            names=await load_names(session, language(request)),
        )

    @get("/{booking_id:uuid}/end-early")
    async def confirm(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Template:
        values = {"refund": EarlyRefund.UNUSED_NIGHTS.value, "amount": ""}
        return await self._confirmation(request, db_session, now, booking_id, values, {})

    @post("/{booking_id:uuid}/end-early", status_code=303)
    async def end_early(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """``POST /api/bookings/{id}/end-early`` from a form: the rule, and the amount in MAD for
        ``amount``."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        values = {"refund": form.get("refund", ""), "amount": form.get("amount", "")}
        lang = language(request)
        try:
            rule = EarlyRefund(values["refund"])
            minor = hundredths(values, "amount") if rule == EarlyRefund.AMOUNT else None
            asked = reception.EndEarly(rule, Money(minor, MAD) if minor is not None else None)
            _view, refund = await reception.end_early(uow, request.user, booking_id, asked, now)
        except FieldError as error:
            problem = {error.field: error.text(lang)}
            return await self._confirmation(request, db_session, now, booking_id, values, problem, 422)
        except ValueError:  # no rule chosen, or one not offered
            problem = {"refund": translator(lang).gettext(words.NOT_A_CHOICE)}
            return await self._confirmation(request, db_session, now, booking_id, values, problem, 422)
        except DomainError as error:
            status = status_of(error)
            if status == 404:
                raise
            problem = {error.field or "end-early": form_errors(request, error).popitem()[1]}
            return await self._confirmation(request, db_session, now, booking_id, values, problem, status)
        say(request, ENDED, refund=translator(lang).money(refund))
        return Redirect(f"/staff/bookings/{booking_id}", status_code=303)
