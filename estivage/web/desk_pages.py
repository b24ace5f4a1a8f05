"""The desk's steps from the manager's page: check-in (in another free unit of the type if the desk
chooses one), check-out, no-show, and a unit's housekeeping state.

Each is a form POST (with the page's CSRF token) to the same services as the API (``booking.reception``,
``inventory.housekeeping``), which check the actor's centre on the server: a manager of another centre gets
404 for the booking and 403 for the centre. Done, the desk's page is loaded again with the step's words
(a flash message, shown once); refused, the page is answered with the refusal's words and its status
(409, 422).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff
from booking.reception import services as reception
from booking.services import BookingView
from estivage.problems import status_of
from estivage.web.common import form_errors
from estivage.web.desk_day import DONE
from estivage.web.flash import say
from estivage.web.manager import centre_page
from inventory import housekeeping
from kernel.errors import DomainError, NotFound
from kernel.uow import UnitOfWork


def back_to_desk(request: Request[Identity, Any, Any], code: str, day: str, done: str, unit: str) -> Redirect:
    """The desk's page again, on its day, with the step's words shown once (``estivage.web.flash``)."""
    say(request, DONE[done], unit=unit)
    query = f"?{urlencode({'day': day})}" if day else ""
    return Redirect(f"/manage/{code}{query}#desk", status_code=303)


class DeskPages(Controller):
    path = "/manage"
    guards = [requires_manager_or_staff]
    include_in_schema = False

    async def _refused(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        code: str,
        error: DomainError,
    ) -> Response[Any]:
        if isinstance(error, NotFound):
            raise error  # another centre's booking or unit: the page's 404
        problem = next(iter(form_errors(request, error).values()))
        status = status_of(error)
        return await centre_page(request, session, now, code, desk_problem=problem, status_code=status)

    @post("/{code:str}/bookings/{booking_id:uuid}/check-in", status_code=303)
    async def check_in(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        unit = str((await request.form()).get("unit") or "").strip() or None
        return await self._step(
            request,
            db_session,
            now,
            code,
            "checked_in",
            lambda: reception.check_in(uow, request.user, booking_id, now, unit),
        )

    async def _step(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        code: str,
        done: str,
        step: Callable[[], Awaitable[BookingView]],
    ) -> Response[Any]:
        form = await request.form()
        try:
            view = await step()
        except DomainError as error:
            return await self._refused(request, session, now, code, error)
        return back_to_desk(request, view.centre, str(form.get("day") or ""), done, view.unit)

    @post("/{code:str}/bookings/{booking_id:uuid}/check-out", status_code=303)
    async def check_out(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        return await self._step(
            request,
            db_session,
            now,
            code,
            "checked_out",
            lambda: reception.check_out(uow, request.user, booking_id, now),
        )

    @post("/{code:str}/bookings/{booking_id:uuid}/no-show", status_code=303)
    async def no_show(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        return await self._step(
            request,
            db_session,
            now,
            code,
            "no_show",
            lambda: reception.no_show(uow, request.user, booking_id, now),
        )

    @post("/{code:str}/units/{number:str}/housekeeping", status_code=303)
    async def set_housekeeping(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
        number: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        state = str(form.get("state") or "")
        try:
            await housekeeping.set_state(uow, request.user, code, number, state, now)
        except DomainError as error:
            return await self._refused(request, db_session, now, code, error)
        return back_to_desk(request, code, str(form.get("day") or ""), "housekeeping", number)
