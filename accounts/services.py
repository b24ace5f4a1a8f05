"""Logging in and reading one's own account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.domain.identity import Identity
from accounts.models import Member, User
from accounts.passwords import password_matches
from kernel.codes import ErrorCode
from kernel.errors import DomainError
from kernel.uow import use_case


class BadCredentials(DomainError):
    """Wrong username or password; which of the two is never said."""


async def _load_user(session: AsyncSession, username: str) -> User | None:
    query = (
        select(User)
        .where(User.username == username)
        .options(selectinload(User.member), selectinload(User.centres))
    )
    return (await session.scalars(query)).one_or_none()


def identity_of(user: User) -> Identity:
    return Identity(
        user_id=user.id,
        username=user.username,
        role=user.role,
        category=user.member.category if user.member else None,
        centres=tuple(c.code for c in user.centres),
    )


async def authenticate_user(session: AsyncSession, username: str, password: str) -> User:
    """The account of these credentials; an unknown, disabled or not yet activated account (no password:
    an empty hash) costs the same hash as a wrong password, and says nothing of which it was."""
    user = await _load_user(session, username)
    stored = (user.password_hash or None) if user and user.active else None
    if not password_matches(stored, password) or user is None:
        raise BadCredentials(ErrorCode.BAD_CREDENTIALS, "wrong username or password")
    return user


async def authenticate(session: AsyncSession, username: str, password: str) -> Identity:
    return identity_of(await authenticate_user(session, username, password))


async def load_account(session: AsyncSession, identity: Identity) -> User:
    user = await _load_user(session, identity.username)
    if user is None or user.id != identity.user_id:
        raise BadCredentials(ErrorCode.BAD_CREDENTIALS, "this account no longer exists")
    return user


@use_case
async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    """A member's language, kept on the member so that every device and every message uses it."""
    member = await session.get(Member, user_id)
    if member is not None:
        member.preferred_language = language
