"""Use cases of paying: card checkout, holiday credit, money secured, refunds.

A booking is confirmed only when money is secured (a succeeded intent, re-read from the provider, or a
holiday-credit schedule); money that arrives for a hold that can no longer be honoured is refunded at
once. Every step is idempotent: checkout returns the same intent, an event id is acted on once, a
payment is refunded once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from booking import repository as booking_repository
from booking import services as bookings
from booking.domain import states
from booking.domain.states import effective_status
from booking.events import BookingCancelled
from booking.models import Booking, BookingPolicy
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.money import MAD, Money
from kernel.uow import UnitOfWork
from payments.domain.instalments import (
    CreditTerms,
    check_eligible,
    first_month_after,
    schedule,
    settle_on_cancel,
)
from payments.domain.states import InstalmentStatus, PaymentStatus, Provider
from payments.events import HoldLostRefunded, PaymentSucceeded, RefundIssued
from payments.models import Instalment, Payment, PaymentRefund
from payments.providers import CardProvider, TestModeProvider

# The codes of the notices written on a booking for its member, and when each is written.
HOLD_LOST_REFUNDED = "hold_lost_refunded"  # a card payment arrived after the hold was lost: refunded in full
NOTICE_CODES = (HOLD_LOST_REFUNDED,)


def credit_terms(policy: BookingPolicy) -> CreditTerms:
    """The holiday-credit terms staff set in the booking policy."""
    return CreditTerms(
        max_instalments=policy.credit_max_instalments,
        min_instalment=Money(policy.credit_min_instalment_minor, MAD),
        categories=frozenset(policy.credit_categories),
    )


async def _own_live_hold(
    session: AsyncSession, identity: Identity, booking_id: uuid.UUID, now: datetime
) -> Booking:
    booking = (await bookings.own_booking(session, identity, booking_id)).booking
    status = effective_status(booking.status, booking.hold_expires_at, now)
    if status != states.HELD:
        raise Conflict("not_payable", f"a {status} booking cannot be paid")
    return booking


async def checkout_card(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, provider: CardProvider, now: datetime
) -> Payment:
    """The card payment of a hold: created once; asking again returns the same intent."""
    async with uow:
        payment = await _card_payment(uow.session, identity, booking_id, provider, now)
        await uow.commit()
        return payment


async def _card_payment(
    session: AsyncSession, identity: Identity, booking_id: uuid.UUID, provider: CardProvider, now: datetime
) -> Payment:
    existing = await session.scalar(
        select(Payment).where(Payment.booking_id == booking_id, Payment.provider == provider.name)
    )
    booking = await _own_live_hold(session, identity, booking_id, now)
    if existing is not None:
        return existing
    amount = Money(booking.total_minor, booking.currency)
    if amount.amount_minor == 0:
        raise RuleViolation(
            "nothing_to_pay", "this stay costs nothing; no card payment is needed", field="method"
        )
    intent = await provider.create_intent(amount, booking.id, idempotency_key=f"booking-{booking.id}")
    payment = Payment(
        booking_id=booking.id,
        member_id=identity.user_id,
        provider=provider.name,
        provider_ref=intent.ref,
        client_secret=intent.client_secret,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        status=PaymentStatus.PENDING,
        created_at=now,
    )
    session.add(payment)
    await session.flush()
    return payment


async def checkout_payroll(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, count: int, now: datetime
) -> list[Instalment]:
    """Holiday credit: the schedule secures the money, so the booking is confirmed at once."""
    async with uow:
        instalments = await _payroll_schedule(uow, identity, booking_id, count, now)
        await uow.commit()
        return instalments


async def _payroll_schedule(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, count: int, now: datetime
) -> list[Instalment]:
    session = uow.session
    booking = await _own_live_hold(session, identity, booking_id, now)
    open_credits = await session.scalar(
        select(func.count(func.distinct(Instalment.booking_id))).where(
            Instalment.member_id == identity.user_id, Instalment.status == InstalmentStatus.SCHEDULED
        )
    )
    terms = credit_terms(await booking_repository.policy(session))
    check_eligible(booking.category, open_credits or 0, terms)
    plan = schedule(Money(booking.total_minor, booking.currency), count, now.date(), terms)
    await bookings.confirm(uow, booking.id, now)
    payment = Payment(
        booking_id=booking.id,
        member_id=identity.user_id,
        provider=Provider.PAYROLL,
        provider_ref=None,
        amount_minor=booking.total_minor,
        currency=booking.currency,
        status=PaymentStatus.SUCCEEDED,
        created_at=now,
        succeeded_at=now,
    )
    session.add(payment)
    rows = [
        Instalment(
            booking_id=booking.id,
            member_id=identity.user_id,
            number=i.number,
            count=count,
            month=i.month,
            amount_minor=i.amount.amount_minor,
            currency=i.amount.currency,
            status=InstalmentStatus.SCHEDULED,
        )
        for i in plan
    ]
    session.add_all(rows)
    await session.flush()
    _record_success(uow, payment, now)
    return rows


def _record_success(uow: UnitOfWork, payment: Payment, now: datetime) -> None:
    uow.record(
        PaymentSucceeded(
            occurred_at=now,
            payment_id=payment.id,
            booking_id=payment.booking_id,
            provider=payment.provider,
            amount=Money(payment.amount_minor, payment.currency),
        )
    )


async def money_secured(uow: UnitOfWork, provider: CardProvider, ref: str, now: datetime) -> Payment | None:
    """A card payment succeeded at the provider: confirm its booking, or refund at once if the hold is
    lost. Safe to call any number of times, in any order with other events. A step of the webhook's and
    the test page's use cases: it records events and does not commit."""
    session = uow.session
    payment = await session.scalar(select(Payment).where(Payment.provider_ref == ref).with_for_update())
    if payment is None or payment.status != PaymentStatus.PENDING:
        return payment
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, now
    _record_success(uow, payment, now)
    try:
        await bookings.confirm(uow, payment.booking_id, now)
    except Conflict as lost:
        amount = Money(payment.amount_minor, payment.currency)
        await _refund(uow, provider, payment, amount, "hold_lost", now)
        payment.note = f"refunded at once: {lost.detail}"
        booking = await session.get(Booking, payment.booking_id)
        if booking is not None:
            booking.member_notice = (
                f"Your payment of {Money(payment.amount_minor, payment.currency)} arrived after your hold "
                "had expired and the unit was taken meanwhile; it has been refunded in full."
            )
            booking.member_notice_code = HOLD_LOST_REFUNDED
            uow.record(
                HoldLostRefunded(
                    occurred_at=now, booking_id=booking.id, member_id=booking.member_id, amount=amount
                )
            )
    await session.flush()
    return payment


async def _refund(
    uow: UnitOfWork, provider: CardProvider, payment: Payment, amount: Money, reason: str, now: datetime
) -> PaymentRefund:
    session = uow.session
    already = await session.scalar(select(PaymentRefund).where(PaymentRefund.payment_id == payment.id))
    if already is not None:
        return already
    ref = (
        await provider.refund(payment.provider_ref or "", amount, idempotency_key=f"refund-{payment.id}")
        if amount.amount_minor > 0
        else None
    )
    refund = PaymentRefund(
        payment_id=payment.id,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        provider_ref=ref,
        reason=reason,
        created_at=now,
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


async def refund_cancelled(uow: UnitOfWork, provider: CardProvider, event: BookingCancelled) -> None:
    """The payments side of a cancellation (a handler of ``BookingCancelled``, in its transaction): the
    policy's refund through the provider, or the remaining holiday-credit instalments cancelled so that
    the member pays exactly the price less the refund."""
    session, refund, now = uow.session, event.refund, event.occurred_at
    booking = await session.get(Booking, event.booking_id)
    if booking is None:
        return
    payments = list(
        await session.scalars(
            select(Payment).where(Payment.booking_id == booking.id, Payment.status == PaymentStatus.SUCCEEDED)
        )
    )
    for payment in payments:
        if payment.provider == Provider.PAYROLL:
            await _settle_credit(uow, booking, payment, refund, now)
        else:
            await _refund(uow, provider, payment, refund, "cancellation", now)


async def _settle_credit(
    uow: UnitOfWork, booking: Booking, payment: Payment, refund: Money, now: datetime
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
            reason="cancellation",
            created_at=now,
        )
    )
    payment.status = PaymentStatus.REFUNDED
    await session.flush()
    _record_refund(uow, payment, credit, "cancellation", now)


async def own_test_payment(session: AsyncSession, identity: Identity, ref: str) -> Payment:
    """A test-mode payment of the caller's own; 404 for anyone else's."""
    payment = await session.scalar(
        select(Payment).where(Payment.provider_ref == ref, Payment.provider == Provider.TEST)
    )
    if payment is None or payment.member_id != identity.user_id:
        raise NotFound("payment_not_found", f"no test payment {ref}")
    return payment


async def confirm_test_payment(uow: UnitOfWork, identity: Identity, ref: str, now: datetime) -> Payment:
    """The built-in test mode's "payment": the member confirms their own pending test intent."""
    async with uow:
        payment = await own_test_payment(uow.session, identity, ref)
        await money_secured(uow, TestModeProvider(), ref, now)
        await uow.commit()
        return payment
