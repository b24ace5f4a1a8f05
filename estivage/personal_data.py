"""A member's own data (Moroccan law 09-08 on personal data): everything the foundation holds about them,
read by the member and downloaded as one JSON document.

Each domain package says what it holds (its ``personal_data.sections``); this composition root lists
them, so a package that comes to hold something about members adds its section here (the mail outbox's
messages, when it lands, adds ``notifications.personal_data``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from access import personal_data as access_data
from accounts import personal_data as accounts_data
from accounts.domain.identity import Identity
from accounts.guards import requires_member
from booking import personal_data as booking_data
from payments import personal_data as payments_data

Section = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]
SECTIONS: tuple[Section, ...] = (
    accounts_data.sections,
    booking_data.sections,
    payments_data.sections,
    access_data.sections,
)
FORMAT = "estivage-personal-data/1"


async def everything_about(session: AsyncSession, identity: Identity, now: datetime) -> dict[str, Any]:
    """The member's data, section by section, as of ``now``."""
    held: dict[str, Any] = {"format": FORMAT, "generated_at": now, "username": identity.username}
    for section in SECTIONS:
        held.update(await section(session, identity.user_id))
    return held


class PersonalDataController(Controller):
    path = "/api/me"
    tags = ["accounts"]
    guards = [requires_member]

    @get(
        "/data",
        summary="Everything held about me (law 09-08), as a JSON download",
        description=(
            "The account and member record, e-mail changes, bookings with their party, payments, refunds, "
            "instalments, passes issued and the gate scans of those passes, ratings, reminders, summer "
            "applications with their offers, and what staff did on my behalf (the audit log)."
        ),
    )
    async def download(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[dict[str, Any]]:
        held = await everything_about(db_session, request.user, now)
        filename = f"estivage-{request.user.username}-{now:%Y%m%d}.json"
        return Response(
            held,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
