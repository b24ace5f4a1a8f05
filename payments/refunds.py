"""Money given back: a cancellation's refund by the published policy, late money sent back at once, and
the refunds staff make in CMI's back office.

A refund is recorded once per payment (``payment_refunds.payment_id`` is unique), whatever retries,
webhooks and duplicate callbacks do. Through Stripe (and the test mode) it is made at once through the
provider's API. CMI offers no refund call this service can use (docs/cmi.md, "Refunds"): the refund is
recorded ``owed`` with the amount the policy gives, the member sees it pending, staff make it in CMI's
back office and record CMI's transaction id here (``record_refund_made``); ``estivage reconcile`` then
finds it in CMI's export. A holiday credit is settled by cancelling the instalments still to deduct.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from booking import services as bookings
from booking.events import BookingCancelled, StayEndedEarly
from booking.models import Booking
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments.domain.instalments import first_month_after, settle_on_cancel
from payments.domain.states import InstalmentStatus, PaymentStatus, Provider, RefundState
from payments.events import RefundIssued
from payments.models import Instalment, Payment, PaymentRefund
from payments.providers import Providers


async def refund_payment(
    uow: UnitOfWork, providers: Providers, payment: Payment, amount: Money, reason: str, now: datetime
) -> PaymentRefund:
    """Give ``amount`` of a card payment back, once: through its provider's API, or owed (CMI, or a
    provider no longer configured) until staff make it and record it."""
    session = uow.session
    already = await session.scalar(select(PaymentRefund).where(PaymentRefund.payment_id == payment.id))
    if already is not None:
        return already
    ref, state = None, RefundState.MADE
    if amount.amount_minor > 0:
        provider = providers.of_payment(payment.provider)
        if provider is not None:
            ref = await provider.refund(
                payment.provider_ref or "", amount, idempotency_key=f"refund-{payment.id}"
            )
        state = RefundState.MADE if ref is not None else RefundState.OWED
    refund = PaymentRefund(
        payment_id=payment.id,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        provider_ref=ref,
        reason=reason,
        created_at=now,
        state=state,
        made_at=now if state == RefundState.MADE else None,
    )
    session.add(refund)
    payment.status = PaymentStatus.REFUNDED
    await session.flush()
    _record_refund(uow, payment, amount, reason, now)
    return refund


def _record_refund(uow: UnitOfWork, payment: Payment, amount: Money, reason: str, now: datetime) -> None:
    uow.record(
        RefundIssued(
            occurred_at=now,
            payment_id=payment.id,
            booking_id=payment.booking_id,
            amount=amount,
            reason=reason,
        )
    )


async def refund_cancelled(uow: UnitOfWork, providers: Providers, event: BookingCancelled) -> None:
    """The payments side of a cancellation (a handler of ``BookingCancelled``, in its transaction): the
    policy's refund through the provider that took the money (owed, for CMI), or the remaining
    holiday-credit instalments cancelled so that the member pays exactly the price less the refund."""
    await _give_back(uow, providers, event.booking_id, event.refund, "cancellation", event.occurred_at)


async def refund_ended_early(uow: UnitOfWork, providers: Providers, event: StayEndedEarly) -> None:
    """The payments side of a stay staff ended early (a handler of ``StayEndedEarly``, in its
    transaction): the amount their rule gives back, as a cancellation's refund is given (card: through
    the provider, CMI: owed; holiday credit: the instalments still to deduct settled)."""
    if event.refund.amount_minor == 0:
        return
    await _give_back(uow, providers, event.booking_id, event.refund, ENDED_EARLY, event.occurred_at)


async def _give_back(
    uow: UnitOfWork, providers: Providers, booking_id: uuid.UUID, refund: Money, reason: str, now: datetime
) -> None:
    """``refund`` on each payment of the booking that took money: a card or CMI payment refunded through
    its provider, a holiday credit's instalments still to deduct settled."""
    booking = await uow.session.get(Booking, booking_id)
    if booking is None:
        return
    payments = list(
        await uow.session.scalars(
            select(Payment).where(Payment.booking_id == booking.id, Payment.status == PaymentStatus.SUCCEEDED)
        )
    )
    for payment in payments:
        if payment.provider == Provider.PAYROLL:
            await _settle_credit(uow, booking, payment, refund, now, reason)
        else:
            await refund_payment(uow, providers, payment, refund, reason, now)


ENDED_EARLY = "ended_early"


async def _settle_credit(
    uow: UnitOfWork,
    booking: Booking,
    payment: Payment,
    refund: Money,
    now: datetime,
    reason: str,
) -> None:
    session = uow.session
    instalments = list(await session.scalars(select(Instalment).where(Instalment.booking_id == booking.id)))
    deducted = Money(
        sum(i.amount_minor for i in instalments if i.status == InstalmentStatus.EXPORTED), booking.currency
    )
    settlement = settle_on_cancel(Money(booking.total_minor, booking.currency), refund, deducted)
    for instalment in instalments:
        if instalment.status == InstalmentStatus.SCHEDULED:
            instalment.status = InstalmentStatus.CANCELLED
    if settlement.still_to_deduct.amount_minor > 0:
        session.add(
            Instalment(
                booking_id=booking.id,
                member_id=booking.member_id,
                number=len(instalments) + 1,
                count=len(instalments) + 1,
                month=first_month_after(now.date()),
                amount_minor=settlement.still_to_deduct.amount_minor,
                currency=booking.currency,
                status=InstalmentStatus.SCHEDULED,
            )
        )
    credit = settlement.credit
    session.add(
        PaymentRefund(
            payment_id=payment.id,
            amount_minor=credit.amount_minor,
            currency=credit.currency,
            provider_ref=None,
            reason=reason,
            created_at=now,
            state=RefundState.MADE,
            made_at=now,
        )
    )
    payment.status = PaymentStatus.REFUNDED
    await session.flush()
    _record_refund(uow, payment, credit, reason, now)


# --- refunds staff make in the provider's back office (CMI) ----------------------------------------


@dataclass(frozen=True, slots=True)
class OwedRefund:
    """A refund to make in the provider's back office: what staff need to find the order there."""

    refund: PaymentRefund
    payment: Payment
    booking_id: uuid.UUID


async def owed_refunds(session: AsyncSession) -> list[OwedRefund]:
    rows = await session.execute(
        select(PaymentRefund, Payment)
        .join(Payment, Payment.id == PaymentRefund.payment_id)
        .where(PaymentRefund.state == RefundState.OWED)
        .order_by(PaymentRefund.created_at)
    )
    return [OwedRefund(refund, payment, payment.booking_id) for refund, payment in rows.tuples()]


async def record_refund_made(
    uow: UnitOfWork, staff: Identity, refund_id: uuid.UUID, transaction_id: str, now: datetime
) -> OwedRefund:
    """Staff made an owed refund in the provider's back office: its transaction id recorded, once. The
    same id again is a no-op (a double click); another id for a refund already made is a conflict."""
    async with uow:
        session = uow.session
        row = (
            await session.execute(
                select(PaymentRefund, Payment)
                .join(Payment, Payment.id == PaymentRefund.payment_id)
                .where(PaymentRefund.id == refund_id)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise NotFound(ErrorCode.REFUND_NOT_FOUND, f"no refund {refund_id}")
        refund, payment = row
        if refund.state == RefundState.MADE and refund.provider_ref != transaction_id:
            raise Conflict(
                ErrorCode.REFUND_ALREADY_MADE,
                f"this refund was recorded made with transaction {refund.provider_ref}",
            )
        if refund.state == RefundState.OWED:
            refund.state, refund.provider_ref = RefundState.MADE, transaction_id
            refund.made_at, refund.recorded_by = now, staff.user_id
        await uow.commit()
        return OwedRefund(refund, payment, payment.booking_id)


async def refunds_of_booking(
    session: AsyncSession, identity: Identity, booking_id: uuid.UUID
) -> list[tuple[PaymentRefund, Payment]]:
    """The refunds of a booking's payments, for whoever may see the booking (404 otherwise); the
    member's page says which are still owed."""
    await bookings.get_booking(session, identity, booking_id)
    rows = await session.execute(
        select(PaymentRefund, Payment)
        .join(Payment, Payment.id == PaymentRefund.payment_id)
        .where(Payment.booking_id == booking_id)
        .order_by(PaymentRefund.created_at)
    )
    return list(rows.tuples())
