"""CMI's transaction export against what is recorded here (``estivage reconcile --cmi-export FILE``).

For each order the money CMI holds (captured, less refunded: ``taken_by_order``) must be what we
recorded: the order's amount when its callback confirmed the stay (we answered ``ACTION=POSTAUTH``), less
the refunds staff recorded made; nothing for any other order. Besides, every refund recorded made must be
a ``Credit`` line of the export with that transaction id, every ``Credit`` of the export must be
recorded, and every refund still owed is listed until staff make it.

An export covers a span of time: the orders compared are those it lists, and ours whose callback came
between its first and last line (an order confirmed then but missing from the export is a difference;
one confirmed before or after the span is not this export's business).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.money import Money
from payments.domain.cmi_reconcile import ExportRow, Status, taken_by_order
from payments.domain.states import CmiOrderStatus, Provider, RefundState
from payments.models import CmiOrder, Payment, PaymentRefund


async def compare_with_export(session: AsyncSession, rows: Sequence[ExportRow]) -> list[str]:
    """Each difference as one line for staff; none when CMI and our records agree."""
    held = taken_by_order(rows)
    first, last = (min(r.at for r in rows), max(r.at for r in rows)) if rows else (None, None)
    query = select(CmiOrder, Payment).join(Payment, Payment.id == CmiOrder.payment_id)
    if first is not None and last is not None:
        in_span = CmiOrder.called_back_at.between(first, last)
        query = query.where(or_(CmiOrder.order_id.in_(list(held)), in_span))
    else:
        query = query.where(CmiOrder.order_id.in_(list(held)))
    orders = list((await session.execute(query)).tuples())
    refunds = await _refunds_by_payment(session, [payment.id for _order, payment in orders])
    lines = []
    expected: dict[str, Money] = {}
    for order, payment in orders:
        amount = Money(order.amount_minor, order.currency)
        confirmed = order.status == CmiOrderStatus.CONFIRMED
        made = [r for r in refunds.get(payment.id, []) if r.state == RefundState.MADE]
        given_back = sum((Money(r.amount_minor, r.currency) for r in made), Money.zero(amount.currency))
        expected[order.order_id] = amount - given_back if confirmed else Money.zero(amount.currency)
    for order_id in sorted(set(held) | set(expected)):
        ours = expected.get(order_id)
        theirs = held.get(order_id, Money.zero(ours.currency if ours else "MAD"))
        if ours is None:
            if theirs.amount_minor:
                lines.append(f"order {order_id}: CMI holds {theirs}, and no such order is recorded here")
        elif ours != theirs:
            lines.append(f"order {order_id}: CMI holds {theirs}, recorded here {ours}")
    lines += _refund_differences(rows, [r for found in refunds.values() for r in found], orders)
    lines += await _owed(session)
    return lines


async def _refunds_by_payment(
    session: AsyncSession, payment_ids: Sequence[object]
) -> dict[object, list[PaymentRefund]]:
    found: dict[object, list[PaymentRefund]] = {}
    if payment_ids:
        for refund in await session.scalars(
            select(PaymentRefund).where(PaymentRefund.payment_id.in_(list(payment_ids)))
        ):
            found.setdefault(refund.payment_id, []).append(refund)
    return found


def _refund_differences(
    rows: Sequence[ExportRow], refunds: Sequence[PaymentRefund], orders: Sequence[tuple[CmiOrder, Payment]]
) -> list[str]:
    credits = {row.transaction_id: row for row in rows if row.status is Status.REFUNDED}
    recorded = {r.provider_ref: r for r in refunds if r.state == RefundState.MADE and r.amount_minor > 0}
    known_orders = {order.order_id for order, _payment in orders}
    lines = [
        f"refund {ref} ({Money(r.amount_minor, r.currency)}) is recorded made here but is not in CMI's export"
        for ref, r in recorded.items()
        if ref not in credits
    ]
    lines += [
        f"refund {ref} of order {row.order_id} ({row.amount}) is in CMI's export but not recorded here"
        for ref, row in credits.items()
        if ref not in recorded and row.order_id in known_orders
    ]
    return lines


async def _owed(session: AsyncSession) -> list[str]:
    rows = await session.execute(
        select(PaymentRefund, Payment)
        .join(Payment, Payment.id == PaymentRefund.payment_id)
        .where(PaymentRefund.state == RefundState.OWED, Payment.provider == Provider.CMI)
        .order_by(PaymentRefund.created_at)
    )
    return [
        f"refund owed since {refund.created_at:%Y-%m-%d}: {Money(refund.amount_minor, refund.currency)} of "
        f"order {payment.provider_ref} (make it in CMI's back office, then record its transaction id)"
        for refund, payment in rows.tuples()
    ]
