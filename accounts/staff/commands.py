"""What head office asks of an account: validated where it is decoded (the API's JSON, a page's form)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from kernel.structs import Code

StaffRole = Literal["manager", "staff"]
Username = Annotated[str, msgspec.Meta(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    """A manager (of the centres named) or a member of head office's staff; the account activates itself
    through a code sent to ``email``."""

    username: Username
    role: StaffRole
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]
    centres: list[Code] = msgspec.field(default_factory=list)
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class AccountChange(msgspec.Struct, forbid_unknown_fields=True):
    """A field left out is unchanged; it takes effect on the account's very next request."""

    role: StaffRole | None = None
    centres: list[Code] | None = None
    disabled: bool | None = None
