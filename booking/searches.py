"""Members' searches, kept once a day per member and centre: the access rate's "searched" (a member who
searched a centre's availability and may have found nothing is one who asked for a stay; docs/kpis.md).

Cheap by construction: a row is (member, centre, day), written at most once a day by each process (the
process remembers the keys it wrote today; another process's row is a conflict ignored), in its own short
transaction that writes first, apart from the search's reads: a search never waits on it for long, and on
SQLite never upgrades a read transaction to a write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base
from kernel.uow import UnitOfWork

# A search's day is the foundation's (the KPIs' year is read in the same zone).
FOUNDATION_ZONE = "Africa/Casablanca"
# Keys remembered by a process before it forgets them all (a day's searches of 50,000 members fit).
REMEMBERED = 200_000


class MemberSearch(Base):
    __tablename__ = "member_searches"

    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date(), primary_key=True, index=True)


# Written as text, the same on PostgreSQL and SQLite: the dialects' ``insert(...).from_select(...)`` has no
# cache key, so SQLAlchemy compiled it anew on every note (a tenth of an availability search's CPU in the
# rush bench, issue 21); a text statement is compiled once. The SELECT's WHERE lets SQLite parse the
# ON CONFLICT that follows it.
_NOTE = text(
    "INSERT INTO member_searches (member_id, centre_id, day) "
    "SELECT :member_id, centres.id, :day FROM centres WHERE centres.code = :centre "
    "ON CONFLICT DO NOTHING"
).bindparams(
    bindparam("member_id", type_=Integer()),
    bindparam("day", type_=Date()),
    bindparam("centre", type_=String()),
)


class SearchLog:
    """Writes a member's search of a centre on a day once; ``sessions`` opens a session of its own."""

    def __init__(self, sessions: Callable[[], AsyncSession]) -> None:
        self._sessions = sessions
        self._written: set[tuple[int, str, date]] = set()

    async def note(self, member_id: int, centre_code: str, day: date) -> None:
        key = (member_id, centre_code, day)
        if key in self._written:
            return
        if len(self._written) >= REMEMBERED:
            self._written.clear()
        async with self._sessions() as session:
            uow = UnitOfWork(session)
            async with uow:
                await session.execute(_NOTE, {"member_id": member_id, "day": day, "centre": centre_code})
                await uow.commit()
        self._written.add(key)
