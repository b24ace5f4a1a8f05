"""Members' pages: search and hold, pay, my bookings, the pass, cancel (refund shown first), rate the stay."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member
from booking import party, pricing_service, ratings, services
from booking.domain import states
from booking.searches import FOUNDATION_ZONE, SearchLog
from estivage.problems import status_of
from estivage.web import error_words as words
from estivage.web.booking_facts import refund_preview
from estivage.web.common import (
    Errors,
    form_errors,
    fragment,
    language,
    page,
    parse_date,
    parse_int,
)
from estivage.web.flash import say
from estivage.web.names import load_names
from estivage.web.party_form import SAVED as PARTY_SAVED
from estivage.web.party_form import companions as party_of_form
from estivage.web.party_form import party_context
from estivage.web.payment_words import INSTALMENT_STATUS, PAYMENT_STATUS
from estivage.web.places import place_context
from inventory.domain.calendar import local_today
from inventory.models import Centre
from inventory.snapshot import centre_view
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments import cmi_service, receipts
from payments import services as payments
from payments.controllers import cmi_page, providers_of
from payments.domain.states import Provider, RefundState
from payments.providers import CmiProvider

logger = logging.getLogger("estivage.web")
SEARCH_FIELDS = ("centre", "arrival", "departure", "guests", "promo_code")
RATED = N_("Thank you: your rating is saved.")  # shown once on the booking page (estivage.web.flash)


def pay_methods(providers: tuple[str, ...]) -> list[tuple[str, str]]:
    """The card buttons of a hold's page: (the form's method, its words), in ESTIVAGE_PAYMENTS' order."""
    return [
        ("cmi", N_("Pay by bank card (CMI)")) if name == Provider.CMI else ("card", N_("Pay by card"))
        for name in providers
    ]


async def centre_choices(session: AsyncSession) -> list[Centre]:
    return list(await session.scalars(select(Centre).order_by(Centre.name_fr)))


class MemberPages(Controller):
    path = "/"
    guards = [requires_member]
    include_in_schema = False

    async def _search_context(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        values: dict[str, str],
        errors: Errors,
    ) -> dict[str, Any]:
        lang = language(request)
        centres = await centre_choices(session)
        offers: list[Any] | None = None
        refusals: dict[str, str] = {}
        if values.get("centre") and values.get("arrival") and values.get("departure"):
            arrival = parse_date(values["arrival"], "arrival", errors, lang)
            departure = parse_date(values["departure"], "departure", errors, lang)
            guests = parse_int(values.get("guests") or "1", "guests", errors, lang)
            if arrival and departure and guests is not None and not errors:
                log: SearchLog = request.app.state.search_log  # the access rate's "searched"
                await log.note(request.user.user_id, values["centre"], local_today(now, FOUNDATION_ZONE))
                try:
                    priced = await pricing_service.search_with_quotes(
                        session,
                        request.user,
                        centre=values["centre"],
                        arrival=arrival,
                        departure=departure,
                        guests=guests,
                        now=now,
                        promo_code=values.get("promo_code") or None,
                    )
                    offers = [(p.offer, p.quote) for p in priced]
                    refusals = {
                        p.offer.unit_type.code: form_errors(request, p.code_refused)["promo_code"]
                        for p in priced
                        if p.code_refused is not None
                    }
                    if priced and len(refusals) == len(priced):  # applies to nothing: say so at the field
                        errors["promo_code"] = next(iter(refusals.values()))
                        refusals = {}
                except DomainError as error:
                    errors.update(form_errors(request, error))
        chosen = next((c for c in centres if c.code == values.get("centre")), None)
        place = place_context(chosen, lang) if chosen is not None else None
        return {
            "centres": centres,
            "values": values,
            "offers": offers,
            "errors": errors,
            "place": place,
            "code_refusals": refusals,
        }

    @get("/search")
    async def search(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        today = local_today(now, "Africa/Casablanca")
        values = {
            "centre": "",
            "arrival": (today + timedelta(days=14)).isoformat(),
            "departure": (today + timedelta(days=18)).isoformat(),
            "guests": "2",
            "promo_code": "",
        }
        asked = {
            k: str(request.query_params.get(k) or "") for k in SEARCH_FIELDS if k in request.query_params
        }
        values.update(asked)
        ctx = await self._search_context(request, db_session, now, values, {})
        status = 422 if ctx["errors"] else 200
        if request.headers.get("hx-request"):
            url = "/search?" + urlencode({k: v for k, v in values.items() if v})
            return fragment(request, "_search.html", push_url=url, **ctx)
        return page(request, "search.html", status_code=status, **ctx)

    @post("/search/hold", status_code=303)
    async def hold(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        values = {k: str(form.get(k) or "") for k in (*SEARCH_FIELDS, "unit_type")}
        lang = language(request)
        errors: Errors = {}
        arrival = parse_date(values["arrival"], "arrival", errors, lang)
        departure = parse_date(values["departure"], "departure", errors, lang)
        guests = parse_int(values["guests"], "guests", errors, lang)
        if arrival and departure and guests is not None and not errors:
            try:
                view = await services.hold(
                    uow,
                    request.user,
                    services.HoldRequest(
                        values["centre"],
                        values["unit_type"],
                        arrival,
                        departure,
                        guests,
                        values["promo_code"].strip() or None,
                    ),
                    now,
                )
                return Redirect(f"/bookings/{view.booking.id}", status_code=303)
            except DomainError as error:
                errors = form_errors(request, error)
                if error.field is None or error.field in {"unit_type", "promotion"}:
                    errors = {"offers": next(iter(errors.values()))}
        ctx = await self._search_context(request, db_session, now, values, {})
        ctx["errors"] = {**ctx["errors"], **errors}
        return page(request, "search.html", status_code=422, **ctx)

    @get("/bookings")
    async def bookings(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        views = await services.list_bookings(
            db_session, request.user, centre=None, status=None, limit=200, offset=0
        )
        rows = [(v, states.effective_status(v.booking.status, v.booking.hold_expires_at, now)) for v in views]
        return page(
            request, "bookings.html", rows=rows, names=await load_names(db_session, language(request))
        )

    async def _own(
        self, request: Request[Identity, Any, Any], session: AsyncSession, booking_id: uuid.UUID
    ) -> services.BookingView:
        return await services.own_booking(session, request.user, booking_id)

    async def _own_with_party(
        self, request: Request[Identity, Any, Any], session: AsyncSession, booking_id: uuid.UUID
    ) -> services.BookingView:
        """The member's own booking (``get_booking`` shows a member theirs only) with its party."""
        return await party.booking_with_party(session, request.user, booking_id)

    async def _booking_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        booking_id: uuid.UUID,
        errors: Errors | None = None,
        status_code: int = 200,
    ) -> Template:
        view = await self._own_with_party(request, session, booking_id)
        b = view.booking
        centre = await centre_view(session, view.centre)
        paid = await receipts.money_of_booking(session, request.user, b.id)
        return page(
            request,
            "booking.html",
            **party_context(view, centre, now, f"/bookings/{b.id}/party"),
            status_code=status_code,
            view=view,
            b=b,
            centre=centre,
            unit_type=centre.unit_type(view.unit_type),
            status=states.effective_status(b.status, b.hold_expires_at, now),
            hold_until=b.hold_expires_at.astimezone(ZoneInfo(centre.time_zone))
            if b.hold_expires_at
            else None,
            rating=await ratings.rating_of(session, b.id),
            may_rate=ratings.may_rate(view, now, centre.time_zone),
            pay_methods=pay_methods(providers_of(request).names),
            refund_owed=any(
                refund is not None and refund.state == RefundState.OWED for _payment, refund in paid.payments
            ),
            paid=paid,
            receipted=receipts.RECEIPTED,
            method_words=receipts.METHOD,
            payment_words=PAYMENT_STATUS,
            instalment_words=INSTALMENT_STATUS,
            errors=errors or {},
        )

    @get("/bookings/{booking_id:uuid}")
    async def booking(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Template:
        return await self._booking_page(request, db_session, now, booking_id)

    @post("/bookings/{booking_id:uuid}/pay", status_code=303)
    async def pay(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        form = await request.form()
        await self._own(request, db_session, booking_id)
        method = str(form.get("method") or "card")
        back = Redirect(f"/bookings/{booking_id}", status_code=303)
        try:
            if method == "payroll":
                errors: Errors = {}
                count = parse_int(
                    str(form.get("instalments") or "1"), "instalments", errors, language(request)
                )
                if count is None:
                    return await self._booking_page(request, db_session, now, booking_id, errors, 422)
                await payments.checkout_payroll(uow, request.user, booking_id, count, now)
                return back
            if method == "free":
                await payments.checkout_free(uow, request.user, booking_id, now)
                return back
            providers = providers_of(request)
            provider = providers.named(Provider.CMI) if method == "cmi" else providers.card
            if isinstance(provider, CmiProvider):
                page_of = cmi_page(request, language(request))
                done = await cmi_service.checkout_cmi(uow, request.user, booking_id, provider, page_of, now)
                order = done.payment.provider_ref
                return Redirect(f"/payments/cmi/{order}/go", status_code=303) if done.form else back
            if provider.name == Provider.STRIPE and not request.app.state.settings.stripe_publishable_key:
                return await self._card_unavailable(request, db_session, now, booking_id)
            payment = await payments.checkout_card(uow, request.user, booking_id, provider, now)
        except DomainError as error:
            found = form_errors(request, error)
            errors = {"pay": next(iter(found.values()))} if error.field in {None, "method"} else found
            return await self._booking_page(request, db_session, now, booking_id, errors, 422)
        if payment.provider == Provider.TEST:
            return Redirect(f"/payments/test/{payment.provider_ref}", status_code=303)
        if payment.provider == Provider.FREE:
            return back
        view = await self._own(request, db_session, booking_id)
        return page(
            request,
            "pay_card.html",
            view=view,
            b=view.booking,
            client_secret=payment.client_secret,
            publishable_key=request.app.state.settings.stripe_publishable_key,
        )

    async def _card_unavailable(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        booking_id: uuid.UUID,
    ) -> Template:
        """Stripe.js cannot start without the publishable key: say so rather than show a dead form."""
        logger.warning("card payment unavailable: STRIPE_API_KEY is set but STRIPE_PUBLISHABLE_KEY is not")
        problem = {
            "pay": translator(language(request)).gettext(
                "Card payment is unavailable for the moment. Try again later or pay by payroll deduction.",
            )
        }
        return await self._booking_page(request, session, now, booking_id, problem, 503)

    @get("/bookings/{booking_id:uuid}/cancel")
    async def cancel_form(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Template:
        view = await self._own(request, db_session, booking_id)
        b = view.booking
        status = states.effective_status(b.status, b.hold_expires_at, now)
        refund, policy = await refund_preview(db_session, view, now)
        paid = Money(b.total_minor if status == states.CONFIRMED else 0, b.currency)
        return page(
            request,
            "cancel.html",
            view=view,
            b=b,
            status=status,
            paid=paid,
            refund=refund,
            policy=policy,
            names=await load_names(db_session, language(request)),
        )

    @post("/bookings/{booking_id:uuid}/cancel", status_code=303)
    async def cancel(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        await self._own(request, db_session, booking_id)
        try:
            await services.cancel(uow, request.user, booking_id, now)
        except DomainError as error:
            return await self._booking_page(
                request,
                db_session,
                now,
                booking_id,
                {"cancel": next(iter(form_errors(request, error).values()))},
                409,
            )
        return Redirect(f"/bookings/{booking_id}", status_code=303)

    @post("/bookings/{booking_id:uuid}/party", status_code=303)
    async def name_party(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """The party named on the booking page (``PUT /api/bookings/{id}/party``)."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        await self._own(request, db_session, booking_id)
        try:
            await party.name_party(uow, request.user, booking_id, party_of_form(form), now)
        except ValueError:
            errors = {"party": translator(language(request)).gettext(words.NOT_A_CHOICE)}
            return await self._booking_page(request, db_session, now, booking_id, errors, 422)
        except DomainError as error:
            errors = {"party": next(iter(form_errors(request, error).values()))}
            return await self._booking_page(request, db_session, now, booking_id, errors, 422)
        say(request, PARTY_SAVED)
        return Redirect(f"/bookings/{booking_id}#party", status_code=303)

    @post("/bookings/{booking_id:uuid}/rate", status_code=303)
    async def rate(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        form = await request.form()
        errors: Errors = {}
        lang = language(request)
        scores = {q: parse_int(str(form.get(q) or ""), q, errors, lang) for q in ratings.QUESTIONS}
        if not errors:
            answers = ratings.Answers(**{q: score or 0 for q, score in scores.items()})
            try:
                await ratings.rate_stay(
                    uow, request.user, booking_id, answers, str(form.get("comment") or ""), now
                )
                say(request, RATED)
                return Redirect(f"/bookings/{booking_id}", status_code=303)
            except DomainError as error:
                refused = status_of(error)
                errors = form_errors(request, error)
                return await self._booking_page(request, db_session, now, booking_id, errors, refused)
        return await self._booking_page(request, db_session, now, booking_id, errors, 422)
