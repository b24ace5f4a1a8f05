"""What staff take out of the system: the month's payroll deductions, and the card reconciliation."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member
from booking.domain import states
from booking.models import Booking
from booking.repository import LIVE_STATES
from kernel.money import MAD, Money
from kernel.uow import UnitOfWork
from payments.domain.states import InstalmentStatus, PaymentStatus
from payments.models import Instalment, Payment, PaymentRefund
from payments.providers import IntentReader

PAYROLL_COLUMNS = (
    "member_number",
    "last_name",
    "first_name",
    "amount_mad",
    "amount_minor",
    "currency",
    "booking",
    "instalment",
    "of",
)


@dataclass(frozen=True, slots=True)
class PayrollTotals:
    """What a payroll export holds: members and deductions in the file, their sum, how many of those lines
    had been exported before (listed again, for a lost file) and how many of the month's lines were skipped
    (cancelled: nothing to deduct)."""

    members: int
    deductions: int
    total: Money
    already_exported: int
    skipped: int


@dataclass(frozen=True, slots=True)
class PayrollReport:
    text: str
    totals: PayrollTotals


async def payroll_report(
    session: AsyncSession,
    month: date,
    *,
    mark_exported: bool,
    progress: Callable[[int, int], None] | None = None,
) -> PayrollReport:
    """The CSV the payroll department loads, one line per deduction of the month by member number, and
    its totals; the CLI and the staff page both show these. ``progress(done, count)`` follows the lines.

    Exporting marks the lines exported, so a cancellation afterwards knows what was already deducted;
    a second export of the same month lists the same lines again (for a lost file), never new ones twice.
    """
    rows = (
        (
            await session.execute(
                select(Instalment, Member)
                .join(Member, Member.user_id == Instalment.member_id)
                .where(
                    Instalment.month == month,
                    Instalment.status.in_((InstalmentStatus.SCHEDULED, InstalmentStatus.EXPORTED)),
                )
                .order_by(Member.member_number, Instalment.booking_id, Instalment.number)
            )
        )
        .tuples()
        .all()
    )
    skipped = await session.scalar(
        select(func.count()).where(Instalment.month == month, Instalment.status == InstalmentStatus.CANCELLED)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYROLL_COLUMNS)
    members, total_minor, already = set(), 0, 0
    for done, (instalment, member) in enumerate(rows, start=1):
        amount = Money(instalment.amount_minor, instalment.currency)
        writer.writerow(
            (
                member.member_number,
                member.last_name,
                member.first_name,
                f"{amount.amount_minor // 100}.{amount.amount_minor % 100:02d}",
                amount.amount_minor,
                amount.currency,
                instalment.booking_id,
                instalment.number,
                instalment.count,
            )
        )
        members.add(member.user_id)
        total_minor += amount.amount_minor
        if instalment.status == InstalmentStatus.EXPORTED:
            already += 1
        if mark_exported:
            instalment.status = InstalmentStatus.EXPORTED
        if progress is not None:
            progress(done, len(rows))
    await session.flush()
    totals = PayrollTotals(len(members), len(rows), Money(total_minor, MAD), already, int(skipped or 0))
    return PayrollReport(out.getvalue(), totals)


async def payroll_export(session: AsyncSession, month: date, *, mark_exported: bool) -> str:
    """The payroll CSV alone (``payroll_report`` without its totals)."""
    return (await payroll_report(session, month, mark_exported=mark_exported)).text


@dataclass(frozen=True, slots=True)
class Difference:
    payment_ref: str
    local: str
    provider: str


async def reconcile(session: AsyncSession, provider: IntentReader) -> list[Difference]:
    """Every card payment recorded here against the provider's PaymentIntent: status and amount."""
    payments = list(
        await session.scalars(
            select(Payment).where(Payment.provider == provider.name).order_by(Payment.created_at)
        )
    )
    refunded = {r.payment_id: r.amount_minor for r in await session.scalars(select(PaymentRefund))}
    differences = []
    for payment in payments:
        state = await provider.retrieve(payment.provider_ref or "")
        expected = (
            PaymentStatus.SUCCEEDED
            if payment.status in {PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED}
            else state.status
        )
        if state.status != expected or (state.amount.amount_minor not in (0, payment.amount_minor)):
            differences.append(
                Difference(
                    payment.provider_ref or "",
                    f"{payment.status} {payment.amount_minor} (refunded {refunded.get(payment.id, 0)})",
                    f"{state.status} {state.amount.amount_minor}",
                )
            )
    return differences


async def ledger_mismatches(session: AsyncSession) -> list[str]:
    """Bookings whose money does not add up. For a stay that stands the member's net payment is its
    price; for a cancelled one, the price less the policy's refund; for a hold lost before the money
    came, nothing. By card the net is what the
    provider received less what it gave back; by holiday credit, the instalments not cancelled (deducted
    or still to deduct) less the credit noted on cancellation."""
    problems = []
    rows = await session.execute(
        select(Booking, Payment)
        .join(Payment, Payment.booking_id == Booking.id)
        .where(Payment.status.in_((PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)))
    )
    for booking, payment in rows.tuples():
        refunded = sum(
            r.amount_minor
            for r in await session.scalars(
                select(PaymentRefund).where(PaymentRefund.payment_id == payment.id)
            )
        )
        if payment.provider == "payroll":
            received = sum(
                i.amount_minor
                for i in await session.scalars(
                    select(Instalment).where(
                        Instalment.booking_id == booking.id, Instalment.status != InstalmentStatus.CANCELLED
                    )
                )
            )
        else:
            received = payment.amount_minor
        if booking.status == states.CANCELLED or booking.status in LIVE_STATES:
            expected = booking.total_minor - (booking.refund_minor or 0)
        else:  # the hold was lost before the money came: all of it goes back
            expected = 0
        if received - refunded != expected:
            problems.append(
                f"{booking.id}: received {received}, gave back {refunded}, expected net {expected}"
            )
    return problems


async def export_payroll(uow: UnitOfWork, month: date) -> PayrollReport:
    """The staff page's export: the month's lines marked exported, in one transaction."""
    async with uow:
        report = await payroll_report(uow.session, month, mark_exported=True)
        await uow.commit()
    return report
