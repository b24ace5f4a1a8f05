"""Staff book for a member (a retiree at the counter, a member on the phone): find the member by number or
name (Latin or Arabic), see what they can book at their own tariff, hold it for them, pay it by payroll on
their behalf or hand them their booking page to pay by card, and name the party.

The same use cases as the JSON API (``booking.on_behalf``, ``payments.on_behalf``, ``booking.party``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import member_search
from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from accounts.models import Member, User
from booking import on_behalf, party, services
from booking.domain import states
from estivage.web import error_words as words
from estivage.web.common import Errors, form_errors, language, page, parse_date, parse_int
from estivage.web.flash import say
from estivage.web.member import SEARCH_FIELDS, centre_choices
from estivage.web.names import load_names
from estivage.web.party_form import SAVED as PARTY_SAVED
from estivage.web.party_form import companions, party_context
from inventory.domain.calendar import local_today
from inventory.snapshot import centre_view
from kernel.errors import DomainError
from kernel.i18n import translator
from kernel.uow import UnitOfWork
from payments import on_behalf as paying


def _one(errors: Errors, key: str) -> Errors:
    """A problem no field of the form answers for, shown under the form's own key."""
    return {key: next(iter(errors.values()))} if errors else {}


class StaffMemberPages(Controller):
    path = "/staff"
    guards = [requires_staff]
    include_in_schema = False

    @get("/members")
    async def search(
        self, request: Request[Identity, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        text = str(request.query_params.get("q") or "").strip()[:100]
        found = await member_search.search(db_session, text) if text else None
        names = await load_names(db_session, language(request))
        return page(request, "staff_members.html", q=text, found=found, names=names)

    async def _member_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        number: str,
        values: dict[str, str],
        errors: Errors,
    ) -> Template:
        member = await member_search.by_number(session, number)
        user = await session.get(User, member.user_id)
        lang = language(request)
        offers = None
        if values.get("centre") and not errors:
            offers = await self._offers(request, session, now, number, values, errors)
        bookings = await services.list_bookings(
            session, request.user, centre=None, status=None, limit=50, offset=0, member_id=member.user_id
        )
        return page(
            request,
            "staff_member.html",
            status_code=422 if errors else 200,
            member=member,
            active=bool(user and user.active),
            centres=await centre_choices(session),
            values=values,
            offers=offers,
            bookings=[
                (v, states.effective_status(v.booking.status, v.booking.hold_expires_at, now))
                for v in bookings
            ],
            names=await load_names(session, lang),
            errors=errors,
        )

    async def _offers(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        number: str,
        values: dict[str, str],
        errors: Errors,
    ) -> list[Any] | None:
        lang = language(request)
        arrival = parse_date(values.get("arrival"), "arrival", errors, lang)
        departure = parse_date(values.get("departure"), "departure", errors, lang)
        guests = parse_int(values.get("guests") or "1", "guests", errors, lang)
        if arrival is None or departure is None or guests is None:
            return None
        try:
            priced = await on_behalf.search(
                session,
                request.user,
                number,
                centre=values["centre"],
                arrival=arrival,
                departure=departure,
                guests=guests,
                now=now,
            )
        except DomainError as error:
            errors.update(form_errors(request, error))
            return None
        return [(p.offer, p.quote) for p in priced]

    @get("/members/{number:str}")
    async def member(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        number: FromPath[str],
    ) -> Template:
        today = local_today(now, "Africa/Casablanca")
        values = {
            "centre": "",
            "arrival": (today + timedelta(days=14)).isoformat(),
            "departure": (today + timedelta(days=18)).isoformat(),
            "guests": "2",
            "promo_code": "",
        }
        values.update({k: str(request.query_params[k]) for k in SEARCH_FIELDS if k in request.query_params})
        return await self._member_page(request, db_session, now, number, values, {})

    @post("/members/{number:str}/hold", status_code=303)
    async def hold(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        number: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        values = {k: str(form.get(k) or "") for k in (*SEARCH_FIELDS, "unit_type")}
        lang = language(request)
        errors: Errors = {}
        arrival = parse_date(values["arrival"], "arrival", errors, lang)
        departure = parse_date(values["departure"], "departure", errors, lang)
        guests = parse_int(values["guests"], "guests", errors, lang)
        if arrival and departure and guests is not None and not errors:
            request_for = services.HoldRequest(
                values["centre"],
                values["unit_type"],
                arrival,
                departure,
                guests,
                values["promo_code"] or None,
            )
            try:
                view = await on_behalf.hold_for_member(uow, request.user, number, request_for, now)
                return Redirect(f"/staff/bookings/{view.booking.id}", status_code=303)
            except DomainError as error:
                errors = (
                    _one(form_errors(request, error), "offers")
                    if error.field in {None, "unit_type"}
                    else form_errors(request, error)
                )
        return await self._member_page(request, db_session, now, number, values, errors)

    async def _booking_page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        booking_id: uuid.UUID,
        errors: Errors | None = None,
        status_code: int = 200,
    ) -> Template:
        view = await party.booking_with_party(session, request.user, booking_id)
        b = view.booking
        centre = await centre_view(session, view.centre)
        member = await session.get(Member, b.member_id)
        status = states.effective_status(b.status, b.hold_expires_at, now)
        return page(
            request,
            "staff_booking.html",
            status_code=status_code,
            view=view,
            b=b,
            member=member,
            centre=centre,
            status=status,
            hold_until=b.hold_expires_at.astimezone(ZoneInfo(centre.time_zone))
            if b.hold_expires_at
            else None,
            card_page=str(request.base_url).rstrip("/") + paying.CARD_PAGE.format(booking_id=b.id),
            names=await load_names(session, language(request)),
            errors=errors or {},
            **party_context(view, centre, now, f"/staff/bookings/{b.id}/party"),
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
        """Payroll deduction on the member's behalf (``POST /api/bookings/{id}/checkout`` as staff)."""
        form = await request.form()
        errors: Errors = {}
        count = parse_int(str(form.get("instalments") or "1"), "instalments", errors, language(request))
        if count is not None:
            try:
                await paying.pay_by_payroll_for_member(uow, request.user, booking_id, count, now)
                return Redirect(f"/staff/bookings/{booking_id}", status_code=303)
            except DomainError as error:
                found = form_errors(request, error)
                errors = found if error.field == "instalments" else _one(found, "pay")
        return await self._booking_page(request, db_session, now, booking_id, errors, 422)

    @post("/bookings/{booking_id:uuid}/party", status_code=303)
    async def name_party(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            await party.name_party(uow, request.user, booking_id, companions(form), now)
        except ValueError:
            problem = {"party": translator(language(request)).gettext(words.NOT_A_CHOICE)}
            return await self._booking_page(request, db_session, now, booking_id, problem, 422)
        except DomainError as error:
            problem = _one(form_errors(request, error), "party")
            return await self._booking_page(request, db_session, now, booking_id, problem, 422)
        say(request, PARTY_SAVED)
        return Redirect(f"/staff/bookings/{booking_id}#party", status_code=303)
