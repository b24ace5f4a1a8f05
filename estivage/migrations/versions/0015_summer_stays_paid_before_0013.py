"""summer campaigns: offers paid before 0013's settle change count as the member's last summer stay

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 12:00:00.000000

Before revision 0013 the settle round that recorded a paid summer offer left the member's
``last_summer_stay_year`` as it was, and its ``paid`` audit entry kept no previous value. For every
offer still 'paid' whose member's last summer stay is older than the campaign's summer (or none), this
keeps that previous value in the offer's last ``paid`` entry (``last_summer_stay_year_before``, and
``stay_year_backfilled: true`` to say it came later), or writes a ``paid`` entry marked ``backfilled``
when the offer has none, and sets the member's last summer stay to that summer. Summers are taken
oldest first, so a member paid in two summers ends on the later one, the earlier one kept as "before".

A stay paid and then cancelled before 0013 is still 'paid' here: the next settle round finds its booking
cancelled, marks the offer 'cancelled' and gives the member the year kept in the entry back.

Downgrade changes nothing: the years set and the keys added are what the code of 0013 and 0014 writes.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAY_BEFORE = "last_summer_stay_year_before"  # booking.campaigns.settle.STAY_BEFORE
_WHEN = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)

# The tables as this revision reads them (the models may change after it).
_offers = sa.table(
    "campaign_offers",
    sa.column("id", sa.Integer()),
    sa.column("campaign_id", sa.Integer()),
    sa.column("application_id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("booking_id", sa.Uuid()),
    sa.column("offered_at", _WHEN),
    sa.column("settled_at", _WHEN),
)
_applications = sa.table(
    "campaign_applications",
    sa.column("id", sa.Integer()),
    sa.column("public_id", sa.String()),
    sa.column("member_id", sa.Integer()),
)
_campaigns = sa.table("campaigns", sa.column("id", sa.Integer()), sa.column("season_id", sa.Integer()))
_seasons = sa.table("seasons", sa.column("id", sa.Integer()), sa.column("starts_on", sa.Date()))
_bookings = sa.table("bookings", sa.column("id", sa.Uuid()), sa.column("confirmed_at", _WHEN))
_members = sa.table(
    "members", sa.column("user_id", sa.Integer()), sa.column("last_summer_stay_year", sa.Integer())
)
_events = sa.table(
    "campaign_events",
    sa.column("id", sa.Integer()),
    sa.column("campaign_id", sa.Integer()),
    sa.column("at", _WHEN),
    sa.column("event", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("application", sa.String()),
    sa.column("detail", sa.JSON()),
)


def upgrade() -> None:
    connection = op.get_bind()
    paid = connection.execute(
        sa.select(
            _offers.c.campaign_id,
            _offers.c.booking_id,
            # the payment's time, as the settle logs it; the settle's, or the offer's, when it is unknown
            sa.func.coalesce(_bookings.c.confirmed_at, _offers.c.settled_at, _offers.c.offered_at),
            _applications.c.public_id,
            _applications.c.member_id,
            _seasons.c.starts_on,
        )
        .join(_applications, _applications.c.id == _offers.c.application_id)
        .join(_campaigns, _campaigns.c.id == _offers.c.campaign_id)
        .join(_seasons, _seasons.c.id == _campaigns.c.season_id)
        .outerjoin(_bookings, _bookings.c.id == _offers.c.booking_id)
        .where(_offers.c.status == "paid")
        .order_by(_seasons.c.starts_on, _offers.c.id)
    ).all()
    recorded_at = datetime.now(UTC)
    for campaign_id, booking_id, paid_at, public_id, member_id, starts_on in paid:
        summer = starts_on.year
        before = connection.execute(
            sa.select(_members.c.last_summer_stay_year).where(_members.c.user_id == member_id)
        ).scalar_one_or_none()
        if before is not None and before >= summer:
            continue  # settled since 0013 (or a later stay recorded): nothing to make up
        _keep_stay_before(connection, campaign_id, public_id, before, {
            "booking_id": None if booking_id is None else str(booking_id),
            "at": paid_at,
            "recorded_at": recorded_at,
        })  # fmt: skip
        connection.execute(
            sa.update(_members).where(_members.c.user_id == member_id).values(last_summer_stay_year=summer)
        )


def _keep_stay_before(
    connection: sa.Connection, campaign_id: int, public_id: str, before: int | None, paid: dict[str, Any]
) -> None:
    """The previous year in the offer's last ``paid`` entry, or in a new one marked as backfilled."""
    entry = connection.execute(
        sa.select(_events.c.id, _events.c.detail)
        .where(
            _events.c.campaign_id == campaign_id,
            _events.c.event == "paid",
            _events.c.application == public_id,
        )
        .order_by(_events.c.id.desc())
        .limit(1)
    ).first()
    if entry is None:
        detail = {
            "booking_id": paid["booking_id"],
            "recorded_at": paid["recorded_at"].isoformat(),
            STAY_BEFORE: before,
            "backfilled": True,
        }
        connection.execute(
            sa.insert(_events).values(
                campaign_id=campaign_id, at=paid["at"], event="paid", actor="system",
                application=public_id, detail=detail,
            )
        )  # fmt: skip
    elif STAY_BEFORE not in (entry.detail or {}):
        detail = {**(entry.detail or {}), STAY_BEFORE: before, "stay_year_backfilled": True}
        connection.execute(sa.update(_events).where(_events.c.id == entry.id).values(detail=detail))


def downgrade() -> None:
    pass
