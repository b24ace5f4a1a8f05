"""HTTP for the desk: check-in, check-out, no-show (the centre's manager or staff), a stay ended early
(staff)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff, requires_staff
from booking import commands as c
from booking import schemas as s
from booking.controllers import booking_out
from booking.domain.reception import EarlyRefund
from booking.reception import services
from kernel.money import Money
from kernel.uow import UnitOfWork


class ReceptionController(Controller):
    path = "/api/bookings"
    tags = ["reception"]
    guards = [requires_manager_or_staff]

    @post(
        "/{booking_id:uuid}/check-in",
        status_code=200,
        summary="The party arrived (from the arrival day); optionally in another free unit of the type",
    )
    async def check_in(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[c.CheckInIn | None] = None,
    ) -> s.BookingOut:
        """A manager of the booking's centre (404 elsewhere) or staff. A confirmed stay, from its arrival
        day (409 from another state or day); `unit` puts the party in another free unit of the type."""
        unit = data.unit if data is not None else None
        return booking_out(await services.check_in(uow, request.user, booking_id, now, unit), now)

    @post("/{booking_id:uuid}/check-out", status_code=200, summary="The party left; the unit is to clean")
    async def check_out(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.BookingOut:
        """A manager of the booking's centre (404 elsewhere) or staff. 409 unless the party is checked in;
        the unit is then to clean."""
        return booking_out(await services.check_out(uow, request.user, booking_id, now), now)

    @post("/{booking_id:uuid}/no-show", status_code=200, summary="Nobody came (from the arrival day)")
    async def no_show(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.BookingOut:
        """A manager of the booking's centre (404 elsewhere) or staff. 409 from the wrong state or before
        the arrival day; the stay stays paid (a refund is staff's call)."""
        return booking_out(await services.no_show(uow, request.user, booking_id, now), now)

    @post(
        "/{booking_id:uuid}/end-early",
        guards=[requires_staff],
        status_code=200,
        summary="Staff end a stay going on: the nights from today are freed, the refund by the rule chosen",
    )
    async def end_early(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[c.EndEarlyIn],
    ) -> s.BookingOut:
        """Staff only, for a checked-in stay (409 otherwise). `refund` says what is given back: none, the
        unused nights' share, all, or an amount."""
        amount = Money(data.amount.amount_minor, data.amount.currency) if data.amount is not None else None
        asked = services.EndEarly(EarlyRefund(data.refund), amount)
        view, _refund = await services.end_early(uow, request.user, booking_id, asked, now)
        return booking_out(view, now)
