"""Use cases of paying through CMI: the checkout (an order and its signed form), CMI's callback, and what
the member's page shows when CMI sends the browser back. The protocol itself is ``payments.domain.cmi``
(docs/cmi.md); this module is its use on our records.

- One ``cmi_orders`` row per attempt (a fresh order id each time: CMI wants one per transaction); the
  booking's CMI payment points at the latest (``provider_ref``). Asking again while an attempt waits
  gives the same order; after a declined card, a new one.
- The callback is the only thing that confirms. A good hash, our store, our order, the order's amount
  exactly; then an authorised payment goes through ``payments.late_money.money_secured``, as Stripe's
  does: it confirms the hold, or takes a lapsed stay again if every rule allows, or is refused (not
  captured). We answer ``ACTION=POSTAUTH`` only when the order is confirmed by it, ``FAILURE`` for
  anything else; a duplicate gets the answer its order got, and changes nothing.
- The browser's return (okUrl / failUrl) only leads the member to a page of their own payment, which
  shows what the callback decided ("waiting for the bank" until it comes).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.models import Member
from booking import services as bookings
from booking.domain import states
from booking.models import Booking
from kernel.codes import ErrorCode
from kernel.errors import Conflict, NotFound
from kernel.money import Money
from kernel.uow import UnitOfWork
from payments.domain import cmi
from payments.domain.states import AWAITING_MONEY, CmiOrderStatus, PaymentStatus, Provider
from payments.late_money import Settled, money_secured
from payments.models import CmiOrder, Payment
from payments.providers import CmiForm, CmiProvider, CmiReturn, Providers
from payments.services import card_payment, confirm_free_stay, is_free, payable_hold

logger = logging.getLogger("estivage.payments")


@dataclass(frozen=True, slots=True)
class CmiPage:
    """What the signed form needs of the request: the service's address CMI sends back to, the page's
    language, and a fresh random (``rnd``) for this form."""

    base_url: str
    lang: str
    rnd: str


@dataclass(frozen=True, slots=True)
class CmiCheckout:
    payment: Payment
    form: CmiForm | None  # None when the stay was free: confirmed at once


async def checkout_cmi(
    uow: UnitOfWork,
    identity: Identity,
    booking_id: uuid.UUID,
    provider: CmiProvider,
    page: CmiPage,
    now: datetime,
) -> CmiCheckout:
    """``{method: "cmi"}``: the hold's CMI order and the signed form the member's browser posts to CMI."""
    async with uow:
        booking = await payable_hold(uow, identity, booking_id, now)
        if is_free(booking):
            payment = await confirm_free_stay(uow, identity, booking, now)
            await uow.commit()
            return CmiCheckout(payment, None)
        payment = await _attempt(uow.session, identity, booking, provider, now)
        form = await _signed_form(uow.session, provider, payment, booking, page)
        await uow.commit()
        return CmiCheckout(payment, form)


async def _attempt(
    session: AsyncSession, identity: Identity, booking: Booking, provider: CmiProvider, now: datetime
) -> Payment:
    """The booking's CMI payment with an order waiting for the card: the same while it waits, a new
    order after a declined card."""
    payment = await card_payment(session, identity, booking, provider, now)
    order = await session.get(CmiOrder, payment.provider_ref or "")
    if order is not None and order.status == CmiOrderStatus.PENDING:
        return payment
    if order is not None:  # declined: a new order id for the next try
        intent = await provider.create_intent(Money(payment.amount_minor, payment.currency), booking.id, "")
        payment.provider_ref, payment.status, payment.note = intent.ref, PaymentStatus.PENDING, None
    session.add(
        CmiOrder(
            order_id=payment.provider_ref,
            payment_id=payment.id,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            status=CmiOrderStatus.PENDING,
            created_at=now,
        )
    )
    await session.flush()
    return payment


async def _signed_form(
    session: AsyncSession, provider: CmiProvider, payment: Payment, booking: Booking, page: CmiPage
) -> CmiForm:
    member = await session.get(Member, payment.member_id)
    if member is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member")
    lang = page.lang if page.lang in cmi.LANGUAGES else "fr"
    return provider.form(
        payment.provider_ref or "",
        Money(payment.amount_minor, payment.currency),
        lang=lang,
        urls=CmiReturn.on(page.base_url, booking.id),
        payer=(f"{member.first_name} {member.last_name}", member.email),
        rnd=page.rnd,
    )


async def own_cmi_payment(session: AsyncSession, identity: Identity, order_id: str) -> Payment:
    """The caller's own CMI payment of that order; 404 for anyone else's or an unknown order."""
    order = await session.get(CmiOrder, order_id)
    payment = await session.get(Payment, order.payment_id) if order is not None else None
    if payment is None or payment.member_id != identity.user_id or payment.provider != Provider.CMI:
        raise NotFound(ErrorCode.PAYMENT_NOT_FOUND, f"no payment {order_id}")
    return payment


async def form_to_post(
    session: AsyncSession,
    identity: Identity,
    order_id: str,
    provider: CmiProvider,
    page: CmiPage,
    now: datetime,
) -> CmiForm:
    """The signed form again, for the member's page that posts it to CMI (a fresh ``rnd`` each time),
    while the order waits and its hold is alive; 409 otherwise."""
    payment = await own_cmi_payment(session, identity, order_id)
    booking = (await bookings.own_booking(session, identity, payment.booking_id)).booking
    status = states.effective_status(booking.status, booking.hold_expires_at, now)
    order = await session.get(CmiOrder, order_id)
    waiting = order is not None and order.status == CmiOrderStatus.PENDING
    if status != states.HELD or payment.provider_ref != order_id or not waiting:
        raise Conflict(ErrorCode.NOT_PAYABLE, f"a {status} booking cannot be paid with order {order_id}")
    return await _signed_form(session, provider, payment, booking, page)


async def callback(
    uow: UnitOfWork, providers: Providers, provider: CmiProvider, body: bytes, now: datetime
) -> cmi.CallbackAnswer:
    """CMI's server-to-server result for one order; never raises for what CMI (or anyone) posts."""
    try:
        result = cmi.parse_callback(cmi.form_fields(body), provider.store)
    except cmi.CmiError as refused:
        logger.warning("CMI callback refused: %s (%s)", refused.code, refused.detail)
        return cmi.CallbackAnswer.FAILURE
    async with uow:
        answer = await _answer(uow, providers, provider, result, now)
        await uow.commit()
        return answer


async def _answer(
    uow: UnitOfWork, providers: Providers, provider: CmiProvider, result: cmi.CmiCallback, now: datetime
) -> cmi.CallbackAnswer:
    session = uow.session
    order = await session.get(CmiOrder, result.order_id)
    if order is None:
        logger.warning("CMI callback for an unknown order %s", result.order_id)
        return cmi.CallbackAnswer.FAILURE
    try:
        cmi.check_amount(result, Money(order.amount_minor, order.currency))
    except cmi.CmiError as refused:
        logger.warning("CMI callback refused: %s (%s)", refused.code, refused.detail)
        return cmi.CallbackAnswer.FAILURE
    if order.status != CmiOrderStatus.PENDING:  # a duplicate: the answer its order got, nothing more
        return _answer_of(order)
    if not result.approved:
        await _declined(session, order, result)
    else:
        settled = await money_secured(uow, providers, provider, order.order_id, now)
        await session.refresh(order, with_for_update=True)  # another copy of the callback may have won
        if order.status == CmiOrderStatus.PENDING:
            confirmed = settled is Settled.CONFIRMED
            order.status = CmiOrderStatus.CONFIRMED if confirmed else CmiOrderStatus.REFUSED
    order.transaction_id, order.proc_return_code = result.transaction_id[:64], result.proc_return_code[:8]
    order.called_back_at = now
    answer = _answer_of(order)
    order.answer = answer.value
    await session.flush()
    return answer


def _answer_of(order: CmiOrder) -> cmi.CallbackAnswer:
    """CONTRACT.md: ``ACTION=POSTAUTH`` for an order confirmed by its payment (again for a duplicate, so
    that a retry after a lost answer still captures), ``FAILURE`` for anything else."""
    confirmed = order.status == CmiOrderStatus.CONFIRMED
    return cmi.CallbackAnswer.POSTAUTH if confirmed else cmi.CallbackAnswer.FAILURE


async def _declined(session: AsyncSession, order: CmiOrder, result: cmi.CmiCallback) -> None:
    """The bank refused the card: the attempt is over; the member may try again (a new order)."""
    order.status = CmiOrderStatus.DECLINED
    payment = await session.get(Payment, order.payment_id, with_for_update=True)
    if payment is not None and payment.provider_ref == order.order_id and payment.status in AWAITING_MONEY:
        payment.status = PaymentStatus.FAILED
        payment.note = f"declined by the bank ({result.proc_return_code}): {result.error_message}"[:200]
