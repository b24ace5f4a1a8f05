"""The pass offline: the service worker at the site's root (a worker controls only the paths under its
own address, so /static/sw.js could not keep /bookings/…), and the full-screen "show at the gate" view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from access.passformat import booking_code
from accounts.domain.identity import Identity
from accounts.guards import requires_member
from booking import services
from booking.domain import states
from estivage.web.common import HERE, STAYS, language, page
from kernel.codes import ErrorCode
from kernel.errors import Conflict
from kernel.i18n import translator
from notifications import facts
from notifications.calendar import stay_ics

SERVICE_WORKER = (HERE / "static" / "sw.js").read_bytes()


@get("/sw.js", exclude_from_auth=True, include_in_schema=False)
async def service_worker() -> Response[bytes]:
    return Response(
        SERVICE_WORKER,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


class GatePages(Controller):
    path = "/bookings"
    guards = [requires_member]
    include_in_schema = False

    @get("/{booking_id:uuid}/gate")
    async def gate(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Template:
        """Bright, the code as large as the screen, the short code under it: what a guard reads."""
        view = await services.own_booking(db_session, request.user, booking_id)
        b = view.booking
        if states.effective_status(b.status, b.hold_expires_at, now) not in STAYS:
            raise Conflict(ErrorCode.NO_PASS_YET, f"a {b.status} booking has no pass; it comes once paid")
        return page(request, "gate.html", b=b, code=booking_code(b.id))

    @get("/{booking_id:uuid}/stay.ics")
    async def calendar(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """ "Add to calendar": the same .ics as the confirmation mail's, for the member's own paid stay."""
        view = await services.own_booking(db_session, request.user, booking_id)
        b = view.booking
        if states.effective_status(b.status, b.hold_expires_at, now) not in STAYS:
            raise Conflict(ErrorCode.NO_PASS_YET, f"a {b.status} booking is not a stay yet; it is once paid")
        t = translator(language(request))
        stay = await facts.stay(db_session, booking_id, t.locale)
        summary = t.gettext("Stay at %(centre)s", centre=stay.centre_name)
        return Response(
            stay_ics(stay, summary, now),
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="stay-{stay.code}.ics"',
                "Cache-Control": "private, no-store",
            },
        )
