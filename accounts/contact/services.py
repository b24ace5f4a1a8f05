"""Use cases of a member's contact details: read them, change the phone and the language, and change the
e-mail address in two steps (a code to the new address, then the code back)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.codes import tries_left, try_code
from accounts.contact.events import EmailChangeCodeIssued
from accounts.contact.models import EmailChange
from accounts.domain import contact as rules
from accounts.domain.identity import Identity
from accounts.models import Member
from kernel.codes import ErrorCode
from kernel.errors import NotFound, RateLimited, RuleViolation
from kernel.uow import UnitOfWork, use_case

PENDING, CONFIRMED, SUPERSEDED, EXHAUSTED = "pending", "confirmed", "superseded", "exhausted"


@dataclass(frozen=True, slots=True)
class Contact:
    email: str
    phone: str
    language: str
    # A new address waiting for its code, and until when the code works.
    pending_email: str | None = None
    pending_until: datetime | None = None


async def _member(session: AsyncSession, identity: Identity) -> Member:
    member = await session.get(Member, identity.user_id)
    if member is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member's")
    return member


async def contact_of(session: AsyncSession, identity: Identity, now: datetime) -> Contact:
    member = await _member(session, identity)
    pending = await session.scalar(
        select(EmailChange)
        .where(
            EmailChange.user_id == identity.user_id,
            EmailChange.state == PENDING,
            EmailChange.expires_at > now,
            EmailChange.attempts < rules.MAX_ATTEMPTS,
        )
        .order_by(EmailChange.id.desc())
        .limit(1)
    )
    return Contact(
        member.email,
        member.phone,
        member.preferred_language,
        pending.new_email if pending else None,
        pending.expires_at if pending else None,
    )


@use_case
async def change_contact(
    session: AsyncSession, identity: Identity, phone: str | None, language: str | None, now: datetime
) -> Contact:
    """The member's phone and language, as given (None leaves one as it is); the e-mail changes only
    through its code (``start_email_change``)."""
    member = await _member(session, identity)
    if phone is not None:
        member.phone = rules.phone_number(phone)
    if language is not None:
        member.preferred_language = rules.language(language)
    await session.flush()
    return await contact_of(session, identity, now)


def _address(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as bad:
        raise RuleViolation(ErrorCode.INVALID_EMAIL, f"not an e-mail address: {bad}", field="email") from bad


async def start_email_change(
    uow: UnitOfWork,
    identity: Identity,
    email: str,
    now: datetime,
    below: Callable[[int], int] = secrets.randbelow,
) -> Contact:
    """A code to the new address; the address on record stays until the code comes back. A request
    supersedes the one before it. ``below`` draws the code (``secrets.randbelow``)."""
    address = _address(email)
    async with uow:
        session = uow.session
        # The write first: it serialises two requests of one member (SQLite's write lock, PostgreSQL's
        # row locks), so only the newest stays pending.
        await session.execute(
            update(EmailChange)
            .where(EmailChange.user_id == identity.user_id, EmailChange.state == PENDING)
            .values(state=SUPERSEDED)
        )
        member = await _member(session, identity)
        if address.lower() == member.email.lower():
            raise RuleViolation(
                ErrorCode.EMAIL_UNCHANGED, "this is the address on record already", field="email"
            )
        asked = await session.scalar(
            select(func.count())
            .select_from(EmailChange)
            .where(EmailChange.user_id == identity.user_id, EmailChange.created_at > now - timedelta(days=1))
        )
        if (asked or 0) >= rules.MAX_CODES_PER_DAY:
            raise RateLimited(
                ErrorCode.TOO_MANY_CODES,
                f"at most {rules.MAX_CODES_PER_DAY} codes a day; try again tomorrow",
                params={"limit": rules.MAX_CODES_PER_DAY},
            )
        code, salt = rules.new_code(below), secrets.token_hex(16)
        request = EmailChange(
            user_id=identity.user_id,
            new_email=address,
            code_salt=salt,
            code_sha256=rules.digest(salt, code),
            created_at=now,
            expires_at=rules.expiry(now),
            attempts=0,
            state=PENDING,
        )
        session.add(request)
        await session.flush()
        uow.record(
            EmailChangeCodeIssued(
                occurred_at=now,
                user_id=identity.user_id,
                address=address,
                language=member.preferred_language,
                code=code,
                minutes=rules.CODE_MINUTES,
                request_id=request.id,
            )
        )
        contact = await contact_of(session, identity, now)
        await uow.commit()
        return contact


async def confirm_email_change(uow: UnitOfWork, identity: Identity, code: str, now: datetime) -> Contact:
    """The code back: the new address replaces the old one. A wrong code counts as a try (kept, even
    though the request is refused); after ``MAX_ATTEMPTS`` tries the code is dead."""
    async with uow:
        session = uow.session
        match, requests = await try_code(
            uow, EmailChange, (EmailChange.user_id == identity.user_id,), code, now
        )
        if not requests:
            raise rules.CodeRefused(
                ErrorCode.CODE_EXPIRED, "no code is waiting: ask for a new one", field="code"
            )
        if match is None:
            raise rules.CodeRefused(
                ErrorCode.INVALID_CODE,
                "wrong code",
                field="code",
                params={"attempts_left": tries_left(requests)},
            )
        member = await _member(session, identity)
        member.email = match.new_email
        match.state, match.confirmed_at = CONFIRMED, now
        for other in requests:
            if other is not match:
                other.state = SUPERSEDED
        await session.flush()
        contact = await contact_of(session, identity, now)
        await uow.commit()
        return contact
