"""Finding a member for staff: by member number or by name, in Latin or Arabic script; and the identity
staff act under when they book for that member (the member's own category, limits and quota)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from accounts.domain.identity import MEMBER, Identity
from accounts.models import Member, User
from kernel.codes import ErrorCode
from kernel.errors import NotFound, RuleViolation

MAX_RESULTS = 20
# Arabic letters written several ways by different keyboards and registries: a search for one finds
# the others (أ إ آ ا are one alef; ة and ه, ى and ي end words alike).
_ARABIC_VARIANTS = {"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"}
_FOLD = str.maketrans("".join(_ARABIC_VARIANTS), "".join(_ARABIC_VARIANTS.values()))


def _arabic_folded(column: InstrumentedAttribute[str]) -> ColumnElement[str]:
    """The column with its letter variants folded, in SQL (replace() is the same on both databases)."""
    folded: ColumnElement[str] = column.expression
    for variant, letter in _ARABIC_VARIANTS.items():
        folded = func.replace(folded, variant, letter)
    return folded


def _words(text: str) -> list[str]:
    return [word for word in text.split() if word][:4]


def _matches(word: str) -> ColumnElement[bool]:
    """Any of the member's names holds the word, or the member number starts with it. ``ilike`` is
    case-blind on PostgreSQL (ILIKE) and for Latin letters on SQLite (lower() LIKE lower())."""
    folded = word.translate(_FOLD)
    pattern = f"%{_escaped(word)}%"
    return or_(
        Member.member_number.ilike(f"{_escaped(word)}%", escape="\\"),
        Member.first_name.ilike(pattern, escape="\\"),
        Member.last_name.ilike(pattern, escape="\\"),
        *(
            _arabic_folded(c).contains(folded, autoescape=True)
            for c in (Member.first_name_ar, Member.last_name_ar)
        ),
    )


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(session: AsyncSession, text: str) -> list[Member]:
    """Members whose number starts with, or whose names hold, every word typed (at most 20)."""
    words = _words(text)
    if not words:
        return []
    if len(words) == 1:  # a member number typed whole: one indexed read, not a scan of every name
        exact = await session.scalar(select(Member).where(Member.member_number == words[0]))
        if exact is not None:
            return [exact]
    query = (
        select(Member)
        .join(User, User.id == Member.user_id)
        .where(*(_matches(word) for word in words))
        .order_by(Member.last_name, Member.first_name, Member.member_number)
        .limit(MAX_RESULTS)
    )
    return list(await session.scalars(query))


async def by_number(session: AsyncSession, member_number: str) -> Member:
    member = await session.scalar(select(Member).where(Member.member_number == member_number))
    if member is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, f"no member {member_number}", field="member")
    return member


async def acting_for(session: AsyncSession, member_number: str) -> Identity:
    """The member as the services see them when staff act for them: their own account, category and
    limits. A member whose account is disabled (no longer on the roster) cannot be booked for."""
    return await _acting_for(session, Member.member_number == member_number, member_number)


async def acting_for_account(session: AsyncSession, user_id: int) -> Identity:
    """The same, for the member of a booking (by the account's id)."""
    return await _acting_for(session, Member.user_id == user_id, str(user_id))


async def _acting_for(session: AsyncSession, which: ColumnElement[bool], said: str) -> Identity:
    row = (
        await session.execute(
            select(User, Member.category).join(Member, Member.user_id == User.id).where(which)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, f"no member {said}", field="member")
    user, category = row
    if not user.active:
        raise RuleViolation(ErrorCode.MEMBER_INACTIVE, f"member {said}'s account is disabled", field="member")
    return Identity(user_id=user.id, username=user.username, role=MEMBER, category=category)
