"""Staff pay a member's hold by payroll deduction on the member's behalf (at the counter, on the phone).

The holiday credit is the member's own: the same terms, eligibility and schedule as when the member
chooses it (``payments.services.checkout_payroll``), run as the member, in one transaction with its
entry in the audit log. A card is never paid by staff: the member opens their booking page, logged in,
and pays there (``CARD_PAGE``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from accounts import member_search
from accounts.audit import log as audit
from accounts.domain.audit import AuditKind, Subject
from accounts.domain.identity import Identity
from booking import services as bookings
from kernel.codes import ErrorCode
from kernel.errors import Forbidden
from kernel.uow import UnitOfWork
from payments import services
from payments.models import Instalment

# The member's own page of a booking, where they pay by card (logged in as themselves).
CARD_PAGE = "/bookings/{booking_id}"


async def pay_by_payroll_for_member(
    uow: UnitOfWork, staff: Identity, booking_id: uuid.UUID, instalments: int, now: datetime
) -> list[Instalment]:
    async with uow:
        booking = (await bookings.get_booking(uow.session, staff, booking_id)).booking
        member = await member_search.acting_for_account(uow.session, booking.member_id)
        audit.record(
            uow.session,
            staff,
            AuditKind.BOOKING_PAID_FOR_MEMBER,
            Subject("booking", str(booking_id)),
            now,
            after={"method": "payroll", "instalments": instalments, "total_minor": booking.total_minor},
            member_id=booking.member_id,
        )
        # One transaction: the member's checkout commits the schedule and the entry above together, and
        # if it refuses (not payable, not eligible), neither is kept.
        return await services.checkout_payroll(uow, member, booking_id, instalments, now)


def refuse_card_for_member(booking_id: uuid.UUID) -> Forbidden:
    page = CARD_PAGE.format(booking_id=booking_id)
    return Forbidden(
        ErrorCode.CARD_BY_MEMBER_ONLY,
        f"a card payment is the member's own: they pay on their booking page ({page}), logged in",
        field="method",
        params={"page": page},
    )
