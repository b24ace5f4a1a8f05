"""Use cases of paying: card checkout, holiday credit, a free stay, and the test mode's confirmation.

A booking is confirmed only when money is secured (a succeeded intent, re-read from the provider; a CMI
authorisation we capture; a holiday-credit schedule) or when nothing is owed (a stay priced at zero,
confirmed with a receipt of nothing). What arrives for a hold that can no longer be honoured is the
business of ``payments.late_money``; refunds are ``payments.refunds``'. Every step is idempotent:
checkout returns the same intent, an event id is acted on once, a payment is refunded once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from booking import repository as booking_repository
from booking import services as bookings
from booking import sweeper
from booking.domain import states
from booking.domain.states import effective_status
from booking.models import Booking, BookingPolicy
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound, RuleViolation
from kernel.money import MAD, Money
from kernel.uow import UnitOfWork
from payments.domain.instalments import CreditTerms, check_eligible, schedule
from payments.domain.states import InstalmentStatus, PaymentStatus, Provider
from payments.late_money import money_secured, record_success
from payments.models import Instalment, Payment
from payments.providers import CardProvider, Providers


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
        raise Conflict(ErrorCode.NOT_PAYABLE, f"a {status} booking cannot be paid")
    return booking


async def payable_hold(uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, now: datetime) -> Booking:
    """The caller's hold, still alive, that a checkout is about to pay.

    A step of every checkout: the member's own holds that lapsed are marked expired first (their card
    payments are given up, ``payments.late_money``). When this very hold is one of them, that is
    committed before the refusal, so that its open card page stops working now."""
    # The member's row first, as a hold and a confirmation lock it: then their bookings' rows.
    await booking_repository.member_category_for_update(uow.session, identity.user_id)
    lapsed = await sweeper.lapse_holds_of(uow, identity.user_id, now)
    if booking_id in lapsed:
        await bookings.own_booking(uow.session, identity, booking_id)  # another member's: 404, not 409
        await uow.commit()
        raise Conflict(ErrorCode.NOT_PAYABLE, "an expired booking cannot be paid")
    return await _own_live_hold(uow.session, identity, booking_id, now)


def is_free(booking: Booking) -> bool:
    return booking.total_minor == 0


async def checkout_card(
    uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, provider: CardProvider, now: datetime
) -> Payment:
    """The card payment of a hold: created once; asking again returns the same intent. A stay priced at
    zero is confirmed at once instead, with its receipt of nothing (``provider`` "free")."""
    async with uow:
        booking = await payable_hold(uow, identity, booking_id, now)
        if is_free(booking):
            payment = await confirm_free_stay(uow, identity, booking, now)
        else:
            payment = await card_payment(uow.session, identity, booking, provider, now)
        await uow.commit()
        return payment


async def card_payment(
    session: AsyncSession, identity: Identity, booking: Booking, provider: CardProvider, now: datetime
) -> Payment:
    """The hold's payment through ``provider``, created once (a step: does not commit)."""
    existing = await session.scalar(
        select(Payment).where(Payment.booking_id == booking.id, Payment.provider == provider.name)
    )
    if existing is not None:
        return existing
    amount = Money(booking.total_minor, booking.currency)
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
    """Holiday credit: the schedule secures the money, so the booking is confirmed at once. A stay
    priced at zero is confirmed with its receipt of nothing and no instalment."""
    async with uow:
        booking = await payable_hold(uow, identity, booking_id, now)
        if is_free(booking):
            await confirm_free_stay(uow, identity, booking, now)
            instalments = []
        else:
            instalments = await _payroll_schedule(uow, identity, booking, count, now)
        await uow.commit()
        return instalments


async def checkout_free(uow: UnitOfWork, identity: Identity, booking_id: uuid.UUID, now: datetime) -> Payment:
    """``{method: "free"}``: a stay priced at zero confirmed without paying; 422 for one that costs."""
    async with uow:
        booking = await payable_hold(uow, identity, booking_id, now)
        if not is_free(booking):
            raise RuleViolation(
                ErrorCode.PAYMENT_REQUIRED,
                f"this stay costs {Money(booking.total_minor, booking.currency)}: choose a way to pay",
                field="method",
            )
        payment = await confirm_free_stay(uow, identity, booking, now)
        await uow.commit()
        return payment


async def confirm_free_stay(uow: UnitOfWork, identity: Identity, booking: Booking, now: datetime) -> Payment:
    """A stay priced at zero (a 100% or a large fixed promotion) is confirmed with a payment of 0 from the
    provider ``free``: its receipt, so that the ledger, the receipts and the reports see the stay paid
    (a step: does not commit). Cancelling it later refunds nothing, as the policy gives."""
    await bookings.confirm(uow, booking.id, now)
    payment = Payment(
        booking_id=booking.id,
        member_id=identity.user_id,
        provider=Provider.FREE,
        provider_ref=None,
        amount_minor=0,
        currency=booking.currency,
        status=PaymentStatus.SUCCEEDED,
        created_at=now,
        succeeded_at=now,
    )
    uow.session.add(payment)
    await uow.session.flush()
    record_success(uow, payment, now)
    return payment


async def _payroll_schedule(
    uow: UnitOfWork, identity: Identity, booking: Booking, count: int, now: datetime
) -> list[Instalment]:
    session = uow.session
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
    record_success(uow, payment, now)
    return rows


async def own_test_payment(session: AsyncSession, identity: Identity, ref: str) -> Payment:
    """A test-mode payment of the caller's own; 404 for anyone else's."""
    payment = await session.scalar(
        select(Payment).where(Payment.provider_ref == ref, Payment.provider == Provider.TEST)
    )
    if payment is None or payment.member_id != identity.user_id:
        raise NotFound(ErrorCode.PAYMENT_NOT_FOUND, f"no test payment {ref}")
    return payment


async def confirm_test_payment(
    uow: UnitOfWork, identity: Identity, ref: str, providers: Providers, now: datetime
) -> Payment:
    """The built-in test mode's "payment": the member confirms their own pending test intent. One given up
    when its hold lapsed cannot be paid any more, as at Stripe."""
    async with uow:
        payment = await own_test_payment(uow.session, identity, ref)
        if payment.status == PaymentStatus.CANCELLED:
            raise Conflict(ErrorCode.PAYMENT_CANCELLED, "this payment was given up when its hold lapsed")
        await money_secured(uow, providers, providers.named(Provider.TEST), ref, now)
        await uow.commit()
        return payment
