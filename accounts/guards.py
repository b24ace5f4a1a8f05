"""Role guards for the controllers of every domain package (the HTTP side of ``accounts.domain.identity``)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from accounts.domain.identity import MANAGER, MEMBER, STAFF, Identity


def _role_guard(*roles: str) -> Any:
    # A coroutine although it awaits nothing: Litestar 2 runs a plain-function guard in a worker
    # thread (anyio.to_thread), a thread hand-off on every request for a check of a few attributes.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Identity) or user.role not in roles:
            raise PermissionDeniedException(detail=f"this needs the role {' or '.join(roles)}")

    return guard


requires_member = _role_guard(MEMBER)
requires_staff = _role_guard(STAFF)
requires_manager_or_staff = _role_guard(MANAGER, STAFF)
requires_member_or_staff = _role_guard(MEMBER, STAFF)
