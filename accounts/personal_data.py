"""What the accounts package holds about a member, for their own copy of it (law 09-08): the account,
the member's record, their e-mail changes, and what staff did for or to them (the audit log).

Never in it: the password's hash, a code's hash or salt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.audit.log import about_member
from accounts.contact.models import EmailChange
from accounts.models import Member, User
from kernel.db import columns_of


async def sections(session: AsyncSession, member_id: int) -> dict[str, Any]:
    user = await session.get(User, member_id)
    member = await session.get(Member, member_id)
    changes = await session.scalars(
        select(EmailChange).where(EmailChange.user_id == member_id).order_by(EmailChange.id)
    )
    return {
        "account": columns_of(user, leaving_out={"password_hash"}) if user else None,
        "member": columns_of(member) if member else None,
        "email_changes": [
            columns_of(c, leaving_out={"user_id", "code_salt", "code_sha256"}) for c in changes
        ],
        "staff_actions": [
            columns_of(entry, leaving_out={"actor_id", "member_id"})
            for entry in await about_member(session, member_id)
        ],
    }
