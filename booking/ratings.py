"""Members rate a stay after departure: a score from 1 to 5 and a comment, once per booking.

Only the member's own confirmed stay, once its departure day has come (on the centre's calendar, the
morning of departure counts), and only once: a second rating of the same stay is a conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from accounts.domain.identity import Identity
from booking import services
from booking.domain import states
from inventory.domain.calendar import local_today
from inventory.snapshot import centre_view
from kernel.codes import ErrorCode
from kernel.db import Base
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.uow import use_case

MAX_COMMENT = 1000
RATEABLE = (states.CONFIRMED, states.CHECKED_IN, states.CHECKED_OUT)


class StayRating(Base):
    __tablename__ = "stay_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="rating_score"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer())
    comment: Mapped[str] = mapped_column(String(MAX_COMMENT), default="")
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


@dataclass(frozen=True, slots=True)
class Satisfaction:
    count: int
    average: float | None


def may_rate(view: services.BookingView, now: datetime, time_zone: str) -> bool:
    """A stay that took place (confirmed, and later checked in or checked out) whose departure day has
    come on the centre's calendar: `now` is UTC, and the centre's day may already be the next one."""
    status = states.effective_status(view.booking.status, view.booking.hold_expires_at, now)
    return status in RATEABLE and view.booking.departure <= local_today(now, time_zone)


async def rating_of(session: AsyncSession, booking_id: uuid.UUID) -> StayRating | None:
    return await session.get(StayRating, booking_id)


@use_case
async def rate_stay(
    session: AsyncSession, member: Identity, booking_id: uuid.UUID, score: int, comment: str, now: datetime
) -> StayRating:
    view = await services.get_booking(session, member, booking_id)
    if view.booking.member_id != member.user_id:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    if not 1 <= score <= 5:
        raise RuleViolation(ErrorCode.INVALID_SCORE, "the score is a whole number from 1 to 5", field="score")
    comment = comment.strip()
    if "\x00" in comment:  # PostgreSQL text cannot hold it
        raise RuleViolation(ErrorCode.INVALID_COMMENT, "the comment holds a NUL character", field="comment")
    if len(comment) > MAX_COMMENT:
        raise RuleViolation(
            ErrorCode.COMMENT_TOO_LONG,
            f"at most {MAX_COMMENT} characters",
            field="comment",
            params={"max_length": MAX_COMMENT},
        )
    centre = await centre_view(session, view.centre)
    if not may_rate(view, now, centre.time_zone):
        raise Conflict(
            ErrorCode.NOT_RATEABLE_YET, "a stay can be rated from its departure day on", field="score"
        )
    if await rating_of(session, booking_id) is not None:
        raise Conflict(ErrorCode.ALREADY_RATED, "this stay has already been rated", field="score")
    rating = StayRating(
        booking_id=booking_id,
        member_id=member.user_id,
        centre_id=view.booking.centre_id,
        score=score,
        comment=comment,
        created_at=now,
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError:  # the same stay rated twice at once: the other request won
        raise Conflict(ErrorCode.ALREADY_RATED, "this stay has already been rated", field="score") from None
    return rating


async def satisfaction(session: AsyncSession, centre_id: int | None = None) -> Satisfaction:
    query = select(func.count(StayRating.booking_id), func.avg(StayRating.score))
    if centre_id is not None:
        query = query.where(StayRating.centre_id == centre_id)
    count, average = (await session.execute(query)).one()
    return Satisfaction(int(count), round(float(average), 2) if average is not None else None)
