"""Who is calling: the identity every use case is given, and the roles.

Pure: the same identity comes from a JWT (HTTP), a page session or a command line, and the services that
take it never learn which. A manager is scoped to their centres; staff see every centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kernel.codes import ErrorCode
from kernel.errors import Forbidden


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"
    STAFF = "staff"


MEMBER, MANAGER, STAFF = Role.MEMBER, Role.MANAGER, Role.STAFF


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: int
    username: str
    role: str
    category: str | None = None
    centres: tuple[str, ...] = ()

    def token_extras(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": str(self.role),
            "category": self.category,
            "centres": self.centres,
        }

    def may_see_centre(self, centre_code: str) -> bool:
        return self.role == STAFF or (self.role == MANAGER and centre_code in self.centres)

    def require_centre(self, centre_code: str) -> None:
        """A manager of another centre learns nothing about this one (403 for the wrong role is the
        guard's job; inside the right role, the wrong centre is forbidden too)."""
        if not self.may_see_centre(centre_code):
            raise Forbidden(ErrorCode.WRONG_CENTRE, f"not allowed for centre {centre_code!r}")
