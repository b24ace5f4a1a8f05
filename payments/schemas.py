"""What the payments API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from kernel.structs import MoneyOut


class CheckoutIn(msgspec.Struct, forbid_unknown_fields=True):
    """How to pay a held booking: by card, through CMI, by payroll deduction in instalments, or free for a
    zero price."""

    method: Annotated[
        Literal["card", "payroll", "cmi", "free"],
        msgspec.Meta(
            description="card: the first card provider offered (Stripe, the test mode, or CMI); cmi: CMI's "
            "hosted page; payroll: holiday credit; free: a stay priced at zero (any method confirms one)"
        ),
    ]
    instalments: Annotated[int, msgspec.Meta(ge=1, le=24)] | None = None


class InstalmentOut(msgspec.Struct):
    """One monthly payroll deduction of a holiday-credit schedule."""

    number: int
    count: int
    month: date
    amount: MoneyOut
    status: str


class CmiFormOut(msgspec.Struct):
    """The fields to POST (form-encoded) to CMI's hosted page, signed with hash version 3."""

    action: str
    fields: dict[str, str]


class CheckoutOut(msgspec.Struct, omit_defaults=True):
    """The payment begun: for a card, the provider's client secret or the page to go to; for CMI, the form
    to post; for payroll, the instalments (the stay is then confirmed)."""

    booking_id: uuid.UUID
    method: str
    provider: str
    status: str
    payment_id: uuid.UUID | None = None
    client_secret: str | None = None
    redirect_url: str | None = None
    instalments: list[InstalmentOut] | None = None
    form: CmiFormOut | None = None


class RefundOut(msgspec.Struct):
    """A refund of a payment: how much, why, and whether it is made or still owed in the provider's back
    office."""

    id: uuid.UUID
    booking_id: uuid.UUID
    payment_id: uuid.UUID
    provider: str
    order_id: str | None  # the provider's reference of the payment (CMI's order id)
    amount: MoneyOut
    reason: str
    state: Annotated[str, msgspec.Meta(description="owed (to make in the provider's back office) or made")]
    transaction_id: str | None
    created_at: datetime
    made_at: datetime | None


class ReceiptRefundOut(msgspec.Struct):
    """A refund of a payment, with the link to its receipt."""

    id: uuid.UUID
    amount: MoneyOut
    state: Annotated[str, msgspec.Meta(description="owed (to make in the provider's back office) or made")]
    created_at: datetime
    receipt_url: str


class BookingPaymentOut(msgspec.Struct):
    """One payment of a booking: how, how much, its state, its receipt and its refund if any."""

    id: uuid.UUID
    provider: Annotated[str, msgspec.Meta(description="stripe, cmi, test, payroll or free")]
    status: Annotated[str, msgspec.Meta(description="pending, succeeded, failed, refunded or cancelled")]
    amount: MoneyOut
    created_at: datetime
    succeeded_at: datetime | None
    receipt_url: Annotated[
        str | None, msgspec.Meta(description="the receipt's PDF (?lang=ar|fr); null: no money was taken")
    ]
    refund: ReceiptRefundOut | None


class BookingPaymentsOut(msgspec.Struct):
    """What was paid for a booking and how: each payment with its receipt, and the payroll schedule."""

    booking_id: uuid.UUID
    payments: list[BookingPaymentOut]
    instalments: Annotated[list[InstalmentOut], msgspec.Meta(description="the payroll deduction schedule")]


class RefundMadeIn(msgspec.Struct, forbid_unknown_fields=True):
    """CMI's transaction id of a refund that staff made in CMI's back office."""

    transaction_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


class WebhookOut(msgspec.Struct):
    """The provider's event was received; `duplicate` when it had been received before (nothing changed
    again)."""

    received: bool
    duplicate: bool = False
