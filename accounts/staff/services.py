"""Use cases of staff accounts: list them, create a manager or staff account (which activates itself by a
code sent by mail), change its role or centres, disable it. A change holds on the account's very next
request: its requests read the role and centres from the account (``accounts.tokens``), and disabling
ends its sessions. Every change is in the audit log. Members' accounts come from the roster, not here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.audit import log as audit
from accounts.codes import ACTIVATION, INVITATION_MINUTES, issue_code
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import MANAGER, MEMBER, STAFF, Identity
from accounts.domain.sessions import Ended
from accounts.events import AccountAccessChanged
from accounts.models import User
from accounts.sessions import end_every_session
from accounts.staff.commands import AccountChange, NewAccount
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StaffAccount:
    username: str
    role: str
    email: str
    display_name: str
    centres: tuple[str, ...]
    disabled: bool
    activated: bool

    @classmethod
    def of(cls, user: User) -> StaffAccount:
        return cls(
            user.username,
            user.role,
            user.email,
            user.display_name,
            tuple(c.code for c in user.centres),
            not user.active,
            bool(user.password_hash),
        )

    def audited(self) -> dict[str, Any]:
        return {"role": self.role, "centres": list(self.centres), "disabled": self.disabled}


def _centre_class() -> Any:
    # The centres are inventory's, a layer above: reached through the relationship, never imported.
    return inspect(User).relationships["centres"].mapper.class_


async def _centres(session: AsyncSession, role: str, codes: list[str]) -> list[Any]:
    """A manager's centres, all known and at least one; staff see every centre and keep none."""
    if role != MANAGER:
        return []
    wanted = sorted(set(codes))
    if not wanted:
        raise RuleViolation(
            ErrorCode.CENTRES_REQUIRED, "a manager manages at least one centre", field="centres"
        )
    centre = _centre_class()
    found = list(await session.scalars(select(centre).where(centre.code.in_(wanted)).order_by(centre.code)))
    unknown = sorted(set(wanted) - {c.code for c in found})
    if unknown:
        raise RuleViolation(
            ErrorCode.UNKNOWN_CENTRE,
            f"no centre {', '.join(unknown)}",
            field="centres",
        )
    return found


def _address(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as bad:
        raise RuleViolation(ErrorCode.INVALID_EMAIL, f"not an e-mail address: {bad}", field="email") from bad


async def _account(session: AsyncSession, username: str) -> User:
    query = (
        select(User)
        .where(User.username == username)
        .options(selectinload(User.centres), selectinload(User.member))
    )
    user = (await session.scalars(query)).one_or_none()
    if user is None or user.role == MEMBER:
        raise NotFound(ErrorCode.ACCOUNT_NOT_FOUND, f"no manager or staff account {username!r}")
    return user


async def list_accounts(session: AsyncSession) -> list[StaffAccount]:
    query = (
        select(User)
        .where(User.role.in_((MANAGER, STAFF)))
        .options(selectinload(User.centres))
        .order_by(User.role, User.username)
    )
    return [StaffAccount.of(user) for user in await session.scalars(query)]


async def get_account(session: AsyncSession, username: str) -> StaffAccount:
    return StaffAccount.of(await _account(session, username))


async def create_account(
    uow: UnitOfWork, actor: Identity, command: NewAccount, now: datetime, language: str
) -> StaffAccount:
    """The account, without a password: its activation code goes to ``email`` (in ``language``)."""
    address = _address(command.email)
    async with uow:
        session = uow.session
        if await session.scalar(select(User.id).where(User.username == command.username)) is not None:
            raise Conflict(
                ErrorCode.USERNAME_TAKEN, f"the username {command.username!r} is taken", field="username"
            )
        user = User(
            username=command.username,
            password_hash="",
            role=command.role,
            display_name=command.display_name.strip(),
            active=True,
            created_at=now,
            email=address,
            token_version=0,
        )
        user.centres = await _centres(session, command.role, command.centres)
        session.add(user)
        await session.flush()
        account = StaffAccount.of(user)
        audit.record(
            session,
            actor,
            AuditKind.ACCOUNT_CREATED,
            Subject("account", user.username),
            now,
            after={**account.audited(), "email": address},
        )
        await issue_code(uow, user, ACTIVATION, now, language, minutes=INVITATION_MINUTES)
        await uow.commit()
        return account


async def change_account(
    uow: UnitOfWork, actor: Identity, username: str, change: AccountChange, now: datetime
) -> StaffAccount:
    """Role, centres, disabled: what is given changes, on the account's very next request. Staff cannot
    disable their own account nor take its staff role away (head office would lock itself out)."""
    async with uow:
        session = uow.session
        user = await _account(session, username)
        before = StaffAccount.of(user)
        role = change.role or user.role
        if user.id == actor.user_id and (change.disabled or role != user.role):
            raise Conflict(ErrorCode.OWN_ACCOUNT, "you cannot disable your own account nor change its role")
        if change.role is not None or change.centres is not None:
            codes = change.centres if change.centres is not None else list(before.centres)
            user.centres = await _centres(session, role, codes)
            user.role = role
        if change.disabled is not None and change.disabled == user.active:
            user.active = not change.disabled
            if change.disabled:
                await end_every_session(uow, user, now, Ended.DISABLED)
        await session.flush()
        after = StaffAccount.of(user)
        if audit.record(
            session,
            actor,
            AuditKind.ACCOUNT_CHANGED,
            Subject("account", user.username),
            now,
            before=before.audited(),
            after=after.audited(),
        ):
            uow.record(AccountAccessChanged(occurred_at=now, account_id=user.id))
        await uow.commit()
        return after
