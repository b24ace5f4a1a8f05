"""What the payments package holds about a member, for their own copy of it (law 09-08): their payments
and the refunds of them, and the holiday-credit deductions scheduled from their pay.

Never in it: a card intent's client secret (it works only in the moment of paying, and only for it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import columns_of
from payments.models import Instalment, Payment, PaymentRefund


async def sections(session: AsyncSession, member_id: int) -> dict[str, Any]:
    payments = list(
        await session.scalars(
            select(Payment).where(Payment.member_id == member_id).order_by(Payment.created_at)
        )
    )
    refunds = await session.scalars(
        select(PaymentRefund)
        .where(PaymentRefund.payment_id.in_([p.id for p in payments]))
        .order_by(PaymentRefund.created_at)
    )
    instalments = await session.scalars(
        select(Instalment)
        .where(Instalment.member_id == member_id)
        .order_by(Instalment.month, Instalment.booking_id, Instalment.number)
    )
    return {
        "payments": [columns_of(p, leaving_out={"member_id", "client_secret"}) for p in payments],
        "refunds": [columns_of(r) for r in refunds],
        "instalments": [columns_of(i, leaving_out={"id", "member_id"}) for i in instalments],
    }
