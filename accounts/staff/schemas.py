"""What the staff accounts API answers."""

from __future__ import annotations

import msgspec


class AccountOut(msgspec.Struct):
    username: str
    role: str
    email: str
    display_name: str
    centres: list[str]
    disabled: bool
    # False until the account has chosen its first password (with the code sent by mail).
    activated: bool
