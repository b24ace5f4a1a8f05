"""What the payments API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

import msgspec

from kernel.structs import MoneyOut


class CheckoutIn(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["card", "payroll"]
    instalments: Annotated[int, msgspec.Meta(ge=1, le=24)] | None = None


class InstalmentOut(msgspec.Struct):
    number: int
    count: int
    month: date
    amount: MoneyOut
    status: str


class CheckoutOut(msgspec.Struct, omit_defaults=True):
    booking_id: uuid.UUID
    method: str
    provider: str
    status: str
    payment_id: uuid.UUID | None = None
    client_secret: str | None = None
    redirect_url: str | None = None
    instalments: list[InstalmentOut] | None = None


class WebhookOut(msgspec.Struct):
    received: bool
    duplicate: bool = False
