"""Activation and password reset by a one-time code sent to the address on record: the e-mail address, or,
for a member on record without one (imported from a roster that had none), by text message to their
phone; nothing when the member has neither (the roster import counts them, so staff collect one).

The code's rules are the e-mail change's (``accounts.domain.contact``): six digits, only their salted
SHA-256 kept, one use, ``CODE_MINUTES`` of life, ``MAX_ATTEMPTS`` tries, ``MAX_CODES_PER_DAY`` codes an
account a day. An account created by staff gets its activation code at once, good for
``INVITATION_MINUTES`` (a new manager may read their mail tomorrow); when it has lapsed, a password reset
sets the first password as well.

Asking for a code says nothing of whether the account exists (the controllers answer 202 before any of
this runs): an unknown account, a wrong birth date, no address on record or the day's codes spent all end
here in silence. A wrong, used or expired code and an unknown username are the same refusal (400).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.contact.models import EmailChange
from accounts.domain import contact as rules
from accounts.domain.sessions import Ended, new_password
from accounts.events import AccountCodeIssued
from accounts.models import AccountCode, Member, User
from accounts.passwords import hash_password
from accounts.sessions import Issued, end_every_session, open_session
from kernel.codes import ErrorCode
from kernel.uow import UnitOfWork

Purpose = Literal["activation", "reset"]
ACTIVATION: Purpose = "activation"
RESET: Purpose = "reset"
PENDING, USED, SUPERSEDED, EXHAUSTED = "pending", "used", "superseded", "exhausted"
# A one-time code as stored: an account code (activation, reset) or an e-mail change's.
CodeRow = TypeVar("CodeRow", AccountCode, EmailChange)
INVITATION_MINUTES = 3 * 24 * 60


async def issue_code(
    uow: UnitOfWork,
    user: User,
    purpose: Purpose,
    now: datetime,
    language: str,
    minutes: int = rules.CODE_MINUTES,
    below: Callable[[int], int] = secrets.randbelow,
) -> bool:
    """A step (the caller commits): a new code for ``purpose``, superseding the one pending, sent to the
    address on record (``AccountCodeIssued``), in the member's language or else ``language``. False, and
    nothing sent, without an address or once the day's codes are spent. ``user`` comes with its member
    loaded (or is new)."""
    member = user.__dict__.get("member")  # a new account has none, and none to load
    address, channel = _address_of(user, member)
    if not address:
        return False
    session = uow.session
    # The write first: it serialises two requests for one account, so only the newest stays pending.
    await session.execute(
        update(AccountCode)
        .where(AccountCode.user_id == user.id, AccountCode.purpose == purpose, AccountCode.state == PENDING)
        .values(state=SUPERSEDED)
    )
    asked = await session.scalar(
        select(func.count())
        .select_from(AccountCode)
        .where(AccountCode.user_id == user.id, AccountCode.created_at > now - timedelta(days=1))
    )
    if (asked or 0) >= rules.MAX_CODES_PER_DAY:
        return False
    code, salt = rules.new_code(below), secrets.token_hex(16)
    session.add(
        AccountCode(
            user_id=user.id,
            purpose=purpose,
            code_salt=salt,
            code_sha256=rules.digest(salt, code),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            attempts=0,
            state=PENDING,
        )
    )
    await session.flush()
    uow.record(
        AccountCodeIssued(
            occurred_at=now,
            account_id=user.id,
            address=address,
            purpose=purpose,
            code=code,
            minutes=minutes,
            language=member.preferred_language if member is not None else language,
            channel=channel,
        )
    )
    return True


def _address_of(user: User, member: Member | None) -> tuple[str, Literal["email", "sms"]]:
    """Where a code goes: the e-mail address on record, else the member's phone (by SMS); "" if neither."""
    if member is None:
        return user.email, "email"
    if member.email or not member.phone:
        return member.email, "email"
    return member.phone, "sms"


async def _user_where(session: AsyncSession, *where: ColumnElement[bool]) -> User | None:
    query = select(User).where(*where).options(selectinload(User.member), selectinload(User.centres))
    return (await session.scalars(query)).one_or_none()


async def _by_username(session: AsyncSession, username: str) -> User | None:
    return await _user_where(session, User.username == username.strip())


async def start_activation(uow: UnitOfWork, member_number: str, birth_date: date, now: datetime) -> None:
    """A member of the roster without a password yet, named by number and birth date, gets a code."""
    async with uow:
        member = await uow.session.scalar(
            select(Member).where(Member.member_number == member_number.strip().upper())
        )
        if member is None or member.birth_date != birth_date:
            return
        user = await _user_where(uow.session, User.id == member.user_id)
        if user is None or not user.active or user.password_hash:
            return
        if await issue_code(uow, user, ACTIVATION, now, member.preferred_language):
            await uow.commit()


async def start_reset(uow: UnitOfWork, username: str, now: datetime, language: str) -> None:
    """An active account gets a code to choose a new password (or its first one)."""
    async with uow:
        user = await _by_username(uow.session, username)
        if user is None or not user.active:
            return
        if await issue_code(uow, user, RESET, now, language):
            await uow.commit()


def _refused(code: ErrorCode, detail: str, left: int | None = None) -> rules.CodeRefused:
    params = {"attempts_left": left} if left is not None else None
    return rules.CodeRefused(code, detail, field="code", params=params)


async def _spend(uow: UnitOfWork, user: User | None, purpose: Purpose, code: str, now: datetime) -> User:
    """The code given for ``purpose``, counted as a try first (two guesses at once count twice); a wrong
    one is kept counted (committed) and refused; the right one is used up."""
    if user is None:
        raise _refused(ErrorCode.INVALID_CODE, "wrong, used or expired code")
    owned = (AccountCode.user_id == user.id, AccountCode.purpose == purpose)
    match, tried = await try_code(uow, AccountCode, owned, code, now)
    if match is None:
        raise _refused(
            ErrorCode.INVALID_CODE, "wrong, used or expired code", tries_left(tried) if tried else None
        )
    match.state, match.used_at = USED, now
    return user


async def try_code(
    uow: UnitOfWork, model: type[CodeRow], owned: tuple[ColumnElement[bool], ...], code: str, now: datetime
) -> tuple[CodeRow | None, list[CodeRow]]:
    """One try at ``code`` against the live codes of ``model`` that ``owned`` selects: the code it matches
    (or None) and every code tried (none when no code is waiting). The try is counted by the first
    statement, so two guesses at once count twice; a wrong one leaves the codes out of tries exhausted and
    is committed before the caller refuses it."""
    session = uow.session
    counted = await session.scalars(
        update(model)
        .where(
            *owned,
            model.state == PENDING,
            model.expires_at > now,
            model.attempts < rules.MAX_ATTEMPTS,
        )
        .values(attempts=model.attempts + 1)
        .returning(model.id)
    )
    ids = list(counted)
    if not ids:
        return None, []
    tried = list(await session.scalars(select(model).where(model.id.in_(ids))))
    match = next((c for c in tried if rules.code_matches(c.code_salt, c.code_sha256, code)), None)
    if match is None:
        for spent in tried:
            if spent.attempts >= rules.MAX_ATTEMPTS:
                spent.state = EXHAUSTED
        await uow.commit()
    return match, tried


def tries_left(tried: Sequence[AccountCode | EmailChange]) -> int:
    """The tries left on the codes just tried, after this one."""
    return max(0, rules.MAX_ATTEMPTS - max(c.attempts for c in tried))


async def activate(
    uow: UnitOfWork, username: str, code: str, password: str, now: datetime, refresh_days: int
) -> Issued:
    """The first password, with the activation code; the account is signed in."""
    chosen = new_password(password)
    async with uow:
        user = await _by_username(uow.session, username)
        usable = await _spend(
            uow,
            user if user is not None and user.active and not user.password_hash else None,
            ACTIVATION,
            code,
            now,
        )
        usable.password_hash = hash_password(chosen)
        issued = await open_session(uow.session, usable, now, refresh_days)
        await uow.commit()
        return issued


async def reset_password(
    uow: UnitOfWork, username: str, code: str, password: str, now: datetime, refresh_days: int
) -> Issued:
    """A new password, with the reset code: every session of the account ends (its tokens are refused
    on their next request), and this one begins."""
    chosen = new_password(password)
    async with uow:
        user = await _by_username(uow.session, username)
        usable = await _spend(uow, user if user is not None and user.active else None, RESET, code, now)
        usable.password_hash = hash_password(chosen)
        await end_every_session(uow, usable, now, Ended.RESET)
        issued = await open_session(uow.session, usable, now, refresh_days)
        await uow.commit()
        return issued
