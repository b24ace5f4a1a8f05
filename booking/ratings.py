"""Members rate a stay once it is over: three questions (reception, cleanliness, value for money), each
from 1 to 5, and a comment, once per booking; the overall score is their mean, rounded half up.

Only the member's own stay that took place: checked out at the desk (a stay ended early too), or checked
in and its departure day come on the centre's calendar (the desk may not have recorded the departure).
A stay nobody came to, or not yet begun, is not rated; a second rating of the same stay is a conflict.
A rating given before the questions existed has its overall score only (the questions are null).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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
QUESTIONS = ("reception", "cleanliness", "value")


class StayRating(Base):
    __tablename__ = "stay_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="rating_score"),
        *(CheckConstraint(f"{q} BETWEEN 1 AND 5", name=f"rating_{q}") for q in QUESTIONS),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer())
    reception: Mapped[int | None] = mapped_column(Integer())
    cleanliness: Mapped[int | None] = mapped_column(Integer())
    value: Mapped[int | None] = mapped_column(Integer())
    comment: Mapped[str] = mapped_column(String(MAX_COMMENT), default="")
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


@dataclass(frozen=True, slots=True)
class Satisfaction:
    count: int
    average: float | None
    # Each question's average over the ratings that answered it (null: none did).
    questions: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answers:
    """A member's answers to the three questions, each a whole number from 1 to 5."""

    reception: int
    cleanliness: int
    value: int

    @property
    def overall(self) -> int:
        """The mean of the three, rounded half up (4, 4, 5 → 4; 4, 5, 5 → 5)."""
        return (2 * (self.reception + self.cleanliness + self.value) + 3) // 6


def may_rate(view: services.BookingView, now: datetime, time_zone: str) -> bool:
    """A stay that took place and is over: checked out, or checked in with its departure day come on the
    centre's calendar (`now` is UTC, and the centre's day may already be the next one)."""
    status = view.booking.status
    if status == states.CHECKED_OUT:
        return True
    return status == states.CHECKED_IN and view.booking.departure <= local_today(now, time_zone)


async def rating_of(session: AsyncSession, booking_id: uuid.UUID) -> StayRating | None:
    return await session.get(StayRating, booking_id)


@use_case
async def rate_stay(
    session: AsyncSession,
    member: Identity,
    booking_id: uuid.UUID,
    answers: Answers,
    comment: str,
    now: datetime,
) -> StayRating:
    view = await services.get_booking(session, member, booking_id)
    if view.booking.member_id != member.user_id:
        raise NotFound(ErrorCode.BOOKING_NOT_FOUND, f"no booking {booking_id}")
    for question in QUESTIONS:
        if not 1 <= getattr(answers, question) <= 5:
            raise RuleViolation(
                ErrorCode.INVALID_SCORE, "each answer is a whole number from 1 to 5", field=question
            )
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
        raise Conflict(ErrorCode.NOT_RATEABLE_YET, "a stay is rated once it is over", field="rating")
    if await rating_of(session, booking_id) is not None:
        raise Conflict(ErrorCode.ALREADY_RATED, "this stay has already been rated", field="rating")
    rating = StayRating(
        booking_id=booking_id,
        member_id=member.user_id,
        centre_id=view.booking.centre_id,
        score=answers.overall,
        reception=answers.reception,
        cleanliness=answers.cleanliness,
        value=answers.value,
        comment=comment,
        created_at=now,
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError:  # the same stay rated twice at once: the other request won
        raise Conflict(ErrorCode.ALREADY_RATED, "this stay has already been rated", field="rating") from None
    return rating


async def satisfaction(session: AsyncSession, centre_id: int | None = None) -> Satisfaction:
    query = select(func.count(StayRating.booking_id), func.avg(StayRating.score))
    if centre_id is not None:
        query = query.where(StayRating.centre_id == centre_id)
    count, average = (await session.execute(query)).one()
    return Satisfaction(int(count), round(float(average), 2) if average is not None else None)
