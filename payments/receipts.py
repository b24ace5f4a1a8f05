"""Receipts: every payment and every refund as a PDF the member downloads, in Arabic or French.

fpdf2 with its HarfBuzz text shaping (uharfbuzz) draws the Arabic joined and right to left (its own
bidirectional algorithm orders each line), embedding subsets of Debian's Noto fonts (fonts-noto-core:
Noto Sans for Latin, Noto Naskh Arabic as the fallback for Arabic letters). It is pure Python with one
wheel (uharfbuzz), writes the text as real text (the ToUnicode map makes it searchable and extractable),
and needs no Cairo or Pango on the server; reportlab would need arabic-reshaper and python-bidi besides.
Whoever may see the booking may read its receipts: its member, staff, that centre's manager (404 to
anyone else, as for the booking).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.models import Member
from booking import services as bookings
from kernel.codes import ErrorCode
from kernel.errors import NotFound
from kernel.i18n import N_, translator
from payments.domain.states import PaymentStatus
from payments.models import Instalment, Payment, PaymentRefund

FONTS = Path("/usr/share/fonts/truetype/noto")
LATIN_FONT, ARABIC_FONT = FONTS / "NotoSans-Regular.ttf", FONTS / "NotoNaskhArabic-Regular.ttf"
FOUNDATION = N_("Foundation for the social works of the ministry's staff")
# The labels, out of the f-strings where they are said: pybabel reads no call inside an f-string, so
# "Stay" was never extracted and the receipt said it in English in both languages.
MEMBER, STAY, AMOUNT, PAID_BY = N_("Member"), N_("Stay"), N_("Amount"), N_("Method")
METHOD = {
    "stripe": N_("Card"),
    "cmi": N_("Card (CMI)"),
    "test": N_("Card (test mode)"),
    "payroll": N_("Payroll deduction"),
    "free": N_("Free"),
}


@dataclass(frozen=True, slots=True)
class Receipt:
    kind: str  # payment | refund
    number: str
    member: str
    member_number: str
    centre: str
    unit: str
    arrival: date
    departure: date
    amount_minor: int
    currency: str
    method: str
    schedule: tuple[tuple[date, int], ...]  # (month, amount) of a payroll deduction


@dataclass(frozen=True, slots=True)
class BookingMoney:
    """A booking's payments, each with its refund if any, and its payroll deduction schedule."""

    payments: list[tuple[Payment, PaymentRefund | None]]
    instalments: list[Instalment]


# Money taken (or taken and given back): these have a receipt worth downloading.
RECEIPTED = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED})


async def money_of_booking(session: AsyncSession, identity: Identity, booking_id: uuid.UUID) -> BookingMoney:
    """For whoever may see the booking (its member, staff, that centre's manager; 404 otherwise): its
    payments in the order they were made, their refunds, and its instalments."""
    await bookings.get_booking(session, identity, booking_id)
    rows = await session.execute(
        select(Payment, PaymentRefund)
        .outerjoin(PaymentRefund, PaymentRefund.payment_id == Payment.id)
        .where(Payment.booking_id == booking_id)
        .order_by(Payment.created_at)
    )
    instalments = await session.scalars(
        select(Instalment).where(Instalment.booking_id == booking_id).order_by(Instalment.number)
    )
    return BookingMoney(list(rows.tuples()), list(instalments))


def amount_text(amount_minor: int, currency: str) -> str:
    """Digits without a group separator, so that right-to-left lines keep the figure in one piece.

    By hand on purpose, not ``Translator.money`` as the pages: fpdf2 reorders a right-to-left line itself,
    and ``1.250,00 د.م.`` (Arabic's money format) comes out of the PDF's text as ``.م.د 1.250,00``, the
    symbol's letters turned round; the ISO code and a figure without separators read alike in both
    languages."""
    return f"{amount_minor // 100},{amount_minor % 100:02d} {currency}"


async def receipt_of(
    session: AsyncSession, identity: Identity, payment_id: uuid.UUID, refund: bool
) -> Receipt:
    """The receipt of a payment (or of its refund), for whoever may see its booking."""
    payment = await session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(ErrorCode.RECEIPT_NOT_FOUND, f"no payment {payment_id}")
    view = await bookings.get_booking(session, identity, payment.booking_id)  # 404 for others
    amount, number = payment.amount_minor, f"P-{payment.id.hex[:12]}"
    if refund:
        given = await session.scalar(select(PaymentRefund).where(PaymentRefund.payment_id == payment.id))
        if given is None:
            raise NotFound(ErrorCode.RECEIPT_NOT_FOUND, f"no refund of payment {payment_id}")
        amount, number = given.amount_minor, f"R-{given.id.hex[:12]}"
    member = (await session.scalars(select(Member).where(Member.user_id == view.booking.member_id))).one()
    schedule = tuple(
        (i.month, i.amount_minor)
        for i in await session.scalars(
            select(Instalment).where(Instalment.booking_id == view.booking.id).order_by(Instalment.number)
        )
    )
    return Receipt(
        "refund" if refund else "payment",
        number,
        f"{member.first_name} {member.last_name}",
        member.member_number,
        view.centre,
        view.unit,
        view.booking.arrival,
        view.booking.departure,
        amount,
        payment.currency,
        payment.provider,
        schedule if payment.provider == "payroll" else (),
    )


def receipt_pdf(receipt: Receipt, language: str) -> bytes:
    """The receipt as a one-page PDF in ``language`` (ar: right-aligned, shaped right to left)."""
    t = translator(language)
    align = "R" if language == "ar" else "L"
    # Imported here, not with the module: fpdf2 loads fontTools, half a second of every process start
    # (each API replica, the worker, every CLI command) for the few that ever draw a receipt.
    from fpdf import FPDF  # noqa: PLC0415 (see above)

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("latin", fname=str(LATIN_FONT))
    pdf.add_font("arabic", fname=str(ARABIC_FONT))
    pdf.set_font("latin", size=16)
    pdf.set_fallback_fonts(["arabic"])
    pdf.set_text_shaping(use_shaping_engine=True)

    def line(text: str, size: int = 11) -> None:
        pdf.set_font_size(size)
        pdf.multi_cell(0, size * 0.6, text, align=align, new_x="LMARGIN", new_y="NEXT")

    line(t.gettext(FOUNDATION), 14)
    title = N_("Payment receipt") if receipt.kind == "payment" else N_("Refund receipt")
    line(f"{t.gettext(title)} {receipt.number}", 16)
    line(f"{t.gettext(MEMBER)}: {receipt.member} ({receipt.member_number})")
    days = t.span(receipt.arrival, receipt.departure)
    line(f"{t.gettext(STAY)}: {receipt.centre} {receipt.unit}, {days}")
    line(f"{t.gettext(AMOUNT)}: {amount_text(receipt.amount_minor, receipt.currency)}")
    line(f"{t.gettext(PAID_BY)}: {t.gettext(METHOD.get(receipt.method, receipt.method))}")
    if receipt.schedule:
        line(t.gettext(N_("Deduction schedule")))
        for month, amount in receipt.schedule:
            line(f"{t.month(month)}: {amount_text(amount, receipt.currency)}")
    return bytes(pdf.output())
