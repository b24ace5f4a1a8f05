"""Money as an integer of minor units with its currency.

The foundation charges in Moroccan dirham (MAD, 100 centimes); the currency travels with every
amount so that a sum of two currencies is an error rather than a silent bug. It is always said: there
is no default currency, so an amount read from a column without one names ``MAD`` where it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MAD = "MAD"


def decimal_text(hundredths: int) -> str:
    """Hundredths (centimes, or a percentage's basis points) as the plain decimal a machine reads back:
    125000 → ``1250.00``, -150 → ``-1.50`` (a dot, two places, no grouping, no currency). For a form
    field's value (``estivage.web.forms.hundredths`` reads it) and a CSV cell; people read amounts
    through ``kernel.i18n.format_money``, whose ``1 250,00 MAD`` would parse back as neither."""
    return f"{Decimal(hundredths).scaleb(-2):.2f}"


class CurrencyMismatchError(ValueError):
    """Two amounts of different currencies were combined."""


@dataclass(frozen=True, slots=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise TypeError("amount_minor must be an integer of minor units")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def times(self, factor: int) -> Money:
        return Money(self.amount_minor * factor, self.currency)

    def percent(self, basis_points: int) -> Money:
        """The share of this amount given in basis points (1/100 of a percent), rounded down.

        Rounding down favours the member on a discount and never makes a refund exceed what was paid.
        """
        return Money(self.amount_minor * basis_points // 10_000, self.currency)

    def clamp(self, low: Money, high: Money) -> Money:
        self._same_currency(low)
        self._same_currency(high)
        return Money(max(low.amount_minor, min(self.amount_minor, high.amount_minor)), self.currency)

    def as_dict(self) -> dict[str, int | str]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}

    def __str__(self) -> str:
        whole, cents = divmod(abs(self.amount_minor), 100)
        sign = "-" if self.amount_minor < 0 else ""
        return f"{sign}{whole:,}.{cents:02d} {self.currency}".replace(",", " ")
