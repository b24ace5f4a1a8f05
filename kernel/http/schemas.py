"""What every controllers layer writes the same way: money out, and the language a JSON client asked for."""

from __future__ import annotations

from typing import Any

from litestar import Request

from kernel.money import Money
from kernel.structs import MoneyOut


def language_of(request: Request[Any, Any, Any]) -> str:
    """Arabic when the client prefers it, French otherwise (the foundation's two languages)."""
    accepted = request.headers.get("accept-language", "")
    return "ar" if accepted.lower().lstrip().startswith("ar") else "fr"


def money_out(money: Money) -> MoneyOut:
    return MoneyOut(amount_minor=money.amount_minor, currency=money.currency)
