"""Money for machines: the plain decimal of a form field's value and a CSV cell."""

from __future__ import annotations

import pytest

from kernel.money import decimal_text


@pytest.mark.parametrize(
    ("minor", "text"),
    [(0, "0.00"), (5, "0.05"), (125_000, "1250.00"), (312_050, "3120.50"), (-150, "-1.50"), (-5, "-0.05")],
)
def test_hundredths_read_as_a_plain_decimal_with_a_dot_and_two_places(minor: int, text: str) -> None:
    assert decimal_text(minor) == text  # -150 read "-2.50" when written with // and %
