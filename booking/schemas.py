"""What the booking API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from kernel.structs import MoneyOut


class PromotionApplied(msgspec.Struct):
    id: int
    name: str
    discount: MoneyOut


class CodeRefusedOut(msgspec.Struct):
    """Why the promotion code asked for does not apply here: the refusal's stable code and figures."""

    code: str
    detail: str
    params: dict[str, int | str]


class PriceOut(msgspec.Struct):
    nights: int
    nightly: list[MoneyOut]
    subtotal: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    promotion: PromotionApplied | None = None


class CompanionOut(msgspec.Struct):
    """A person of the party besides the member."""

    name: str
    relation: str
    age_band: str


class BookingOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    centre: str
    unit_type: str
    unit: str
    arrival: date
    departure: date
    guests: int
    price: PriceOut
    created_at: datetime
    hold_expires_at: datetime | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    refund: MoneyOut | None = None
    notice: str | None = None
    notice_code: Annotated[
        str | None,
        msgspec.Meta(
            description=(
                "The notice's stable code, to show it in the client's language: hold_lost_refunded (a card "
                "payment arrived after the hold lapsed and the stay could no longer be kept: refunded in "
                "full), hold_lost_released (the same through CMI: not taken, the bank releases the amount)"
            )
        ),
    ] = None
    booked_by: Annotated[
        str | None,
        msgspec.Meta(description="The staff account that made the booking for the member; null: the member"),
    ] = None
    party: Annotated[
        list[CompanionOut] | None,
        msgspec.Meta(
            description=(
                "The people named with the member (the guests are the member and these once named); "
                "given when one booking is read, left out of lists"
            )
        ),
    ] = None


class CancelOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    refund: MoneyOut


class PromotionOut(msgspec.Struct):
    id: int
    name: str
    kind: str
    code: str | None
    automatic: bool
    exclusive: bool
    paused: bool
    percent_bp: int | None
    amount: MoneyOut | None
    stay_nights: int | None
    pay_nights: int | None
    centres: list[str]
    unit_types: list[str]
    categories: list[str]
    arrival_weekdays: list[int]
    stay_from: date | None
    stay_until: date | None
    book_from: date | None
    book_until: date | None
    min_nights: int
    max_uses: int | None
    max_uses_per_member: int | None
    budget: MoneyOut | None
    uses: int
    spent: MoneyOut


class AvailabilityOut(msgspec.Struct):
    unit_type: str
    name: str
    capacity: int
    available: int
    nights: int
    price: MoneyOut
    subtotal: MoneyOut
    discount: MoneyOut
    nightly: list[MoneyOut]
    promotion: PromotionApplied | None = None
    promo_code_refused: CodeRefusedOut | None = None


class ReminderOut(msgspec.Struct):
    booking_id: uuid.UUID
    kind: Literal["payment_due", "arrival_soon"]
    due_at: datetime
    created_at: datetime
    centre: str
    arrival: date
    departure: date
