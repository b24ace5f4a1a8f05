"""What the contact API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec


class ContactOut(msgspec.Struct):
    """The member's contact details, and a new address waiting for its code if there is one."""

    email: str
    phone: str
    language: str
    pending_email: str | None = None
    pending_until: datetime | None = None


class ContactPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The phone (8 to 15 digits; spaces, dots and dashes allowed; empty clears it) and the language of
    the pages and the mail; a field left out is unchanged. The e-mail changes through a code."""

    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    language: Literal["fr", "ar"] | None = None


class EmailChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """The new e-mail address; a code is sent to it to confirm."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]


class EmailCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    """The code sent to the new e-mail address."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]
