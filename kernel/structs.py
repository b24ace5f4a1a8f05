"""msgspec types shared by every package's commands and HTTP schemas: codes, names, categories, money.

Validated where they are decoded (a JSON body, a form), so a use case never sees an amount in floats or a
code with spaces.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Category = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$")]


class MoneyOut(msgspec.Struct):
    """An amount in integer minor units (centimes) and its currency."""

    amount_minor: int
    currency: str


class MoneyIn(msgspec.Struct):
    """An amount in integer minor units (centimes); the currency is MAD."""

    amount_minor: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
    currency: Literal["MAD"] = "MAD"
