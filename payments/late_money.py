"""Card money that arrives: it confirms its hold, or takes a lapsed stay again only if every rule still
allows it, or goes straight back; and card payments of holds that lapsed are given up at the provider.

The review of issue 15 paid a lapsed hold's card intent after holding and paying the same stay again
by payroll: two stays on a "one per member" code, 28 nights against a limit of 21. Two things stop it:

- ``money_secured`` confirms through ``booking.services.confirm``, which judges a lapsed hold again as
  a new hold (``booking.retake``: limits, caps, budget, quota, availability, the price paid) under a
  hold's locks. Refused, the money goes back at once (Stripe, test mode) or is never captured (CMI's
  pre-authorisation: we answer FAILURE), and the member is told on the booking (``member_notice``).
- When holds lapse (``HoldsLapsed``: the worker, or the member's own next hold or checkout), their
  card payments still pending are marked cancelled in the same transaction, and after the commit each
  intent is cancelled at its provider, so that the card page can no longer be paid. A provider that
  refuses (the member paid a moment before) leaves the money to arrive as late money, above.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from sqlalchemy import select

from booking import services as bookings
from booking.events import HoldsLapsed
from booking.locks import lock_for_confirm
from booking.models import Booking
from kernel.errors import Conflict
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments.domain.states import AWAITING_MONEY, PaymentStatus, Provider
from payments.events import HoldLostRefunded, HoldLostReleased, PaymentsCancelled, PaymentSucceeded
from payments.models import Payment
from payments.providers import CardProvider, Providers
from payments.refunds import refund_payment

logger = logging.getLogger("estivage.payments")

# The codes of the notices written on a booking for its member (the pages translate them).
HOLD_LOST_REFUNDED = "hold_lost_refunded"  # card money came after the hold was lost: refunded in full
HOLD_LOST_RELEASED = "hold_lost_released"  # CMI authorised after the hold was lost: not captured
NOTICE_CODES = (HOLD_LOST_REFUNDED, HOLD_LOST_RELEASED)
CARD_PROVIDERS = (Provider.STRIPE, Provider.CMI, Provider.TEST)


class Settled(Enum):
    """What became of money that arrived."""

    CONFIRMED = "confirmed"  # the stay is confirmed by it, now
    REFUSED = "refused"  # the stay could not be taken: refunded at once, or (CMI) never captured
    ALREADY = "already"  # this payment was settled before (a duplicate, or another delivery won)
    UNKNOWN = "unknown"  # no such payment here


def record_success(uow: UnitOfWork, payment: Payment, now: datetime) -> None:
    uow.record(
        PaymentSucceeded(
            occurred_at=now,
            payment_id=payment.id,
            booking_id=payment.booking_id,
            provider=payment.provider,
            amount=Money(payment.amount_minor, payment.currency),
        )
    )


async def money_secured(
    uow: UnitOfWork, providers: Providers, provider: CardProvider, ref: str, now: datetime
) -> Settled:
    """A card payment succeeded (Stripe, test mode) or was authorised (CMI) at the provider: confirm its
    booking, or refuse the money if the stay cannot be taken. Safe to call any number of times, in any
    order with other events: a payment is settled once. A step: records events, does not commit."""
    session = uow.session
    booking_id = await session.scalar(select(Payment.booking_id).where(Payment.provider_ref == ref))
    if booking_id is None:
        return Settled.UNKNOWN
    # A hold's locks before the payment's row, in a hold's order, so that a member holding again while
    # their late money arrives cannot deadlock with it; then the payment is read again under them.
    await lock_for_confirm(session, booking_id)
    payment = await session.scalar(
        select(Payment)
        .where(Payment.provider_ref == ref)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None or payment.status not in AWAITING_MONEY:
        return Settled.ALREADY
    try:
        await bookings.confirm(uow, payment.booking_id, now)
    except Conflict as lost:
        await _refuse(uow, providers, provider, payment, lost, now)
        return Settled.REFUSED
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, now
    record_success(uow, payment, now)
    await session.flush()
    return Settled.CONFIRMED


async def _refuse(
    uow: UnitOfWork,
    providers: Providers,
    provider: CardProvider,
    payment: Payment,
    lost: Conflict,
    now: datetime,
) -> None:
    """The stay cannot be taken: money taken goes back in full at once; a pre-authorisation is released."""
    session = uow.session
    amount = Money(payment.amount_minor, payment.currency)
    booking = await session.get(Booking, payment.booking_id)
    event_type: type[HoldLostRefunded | HoldLostReleased]
    if provider.pre_authorises:
        payment.status, payment.note = PaymentStatus.FAILED, f"not captured: {lost.detail}"[:200]
        code, event_type = HOLD_LOST_RELEASED, HoldLostReleased
        words = "it was not taken, and your bank releases the amount it reserved"
    else:
        payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, now
        record_success(uow, payment, now)  # the money was taken: the ledger shows it in, then back out
        await refund_payment(uow, providers, payment, amount, "hold_lost", now)
        payment.note = f"refunded at once: {lost.detail}"[:200]
        code, event_type = HOLD_LOST_REFUNDED, HoldLostRefunded
        words = "it has been refunded in full"
    if booking is not None:
        booking.member_notice = (
            f"Your payment of {amount} arrived after your hold had expired, and the stay could no longer "
            f"be kept: {words}."
        )
        booking.member_notice_code = code
        uow.record(
            event_type(occurred_at=now, booking_id=booking.id, member_id=booking.member_id, amount=amount)
        )
    await session.flush()


async def give_up_lapsed(uow: UnitOfWork, event: HoldsLapsed) -> None:
    """A handler of ``HoldsLapsed`` (in its transaction): the lapsed holds' card payments still pending
    are cancelled here, and ``PaymentsCancelled`` asks for the intents to be cancelled at the provider
    after the commit (no provider call while the transaction holds its locks)."""
    payments = list(
        await uow.session.scalars(
            select(Payment).where(
                Payment.booking_id.in_(event.booking_ids),
                Payment.status == PaymentStatus.PENDING,
                Payment.provider.in_(CARD_PROVIDERS),
            )
        )
    )
    for payment in payments:
        payment.status, payment.note = PaymentStatus.CANCELLED, "given up: the hold lapsed unpaid"
    if payments:
        intents = tuple((p.provider, p.provider_ref) for p in payments if p.provider_ref)
        uow.record(PaymentsCancelled(occurred_at=event.occurred_at, intents=intents))
        await uow.session.flush()


async def cancel_at_providers(providers: Providers, event: PaymentsCancelled) -> None:
    """After the commit: each given-up intent cancelled at its provider. A refusal (the member paid a
    moment before) or an outage is only logged: that money, if it comes, is late money."""
    for name, ref in event.intents:
        provider = providers.of_payment(name)
        if provider is None:
            continue
        try:
            await provider.cancel(ref)
        except Exception as refused:  # any provider error: nothing here can undo the lapse
            logger.warning("could not cancel %s intent %s at the provider: %s", name, ref, refused)
