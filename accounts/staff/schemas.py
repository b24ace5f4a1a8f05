"""What the staff accounts API answers."""

from __future__ import annotations

import msgspec


class AccountOut(msgspec.Struct):
    """A manager's or staff account: role, e-mail, name, centres, whether it is disabled and whether it is
    activated yet."""

    username: str
    role: str
    email: str
    display_name: str
    centres: list[str]
    disabled: bool
    # False until the account has chosen its first password (with the code sent by mail).
    activated: bool
