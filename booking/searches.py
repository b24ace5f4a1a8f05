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

from sqlalchemy import Date, ForeignKey, Integer, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from inventory.models import Centre
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
                dialect = session.get_bind().dialect.name
                insert = pg_insert if dialect == "postgresql" else sqlite_insert
                await session.execute(
                    insert(MemberSearch)
                    .from_select(
                        ["member_id", "centre_id", "day"],
                        select(literal(member_id, Integer()), Centre.id, literal(day, Date())).where(
                            Centre.code == centre_code
                        ),
                    )
                    .on_conflict_do_nothing()
                )
                await uow.commit()
        self._written.add(key)
