"""`Idempotency-Key` for mutating POSTs (CONTRACT.md): the same key and body replay the first response.

The first response is kept in the shared store (Redis in production) for a day, under the caller's
identity and the key, with a digest of the request body. The same key with another body is refused
(422), since replaying would answer a question that was not asked. Two identical requests that race
each other are both executed; the domain rules (one open hold per member, states) make the second a
conflict rather than a second effect.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.stores.base import Store

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation

KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 128


class _Stored(msgspec.Struct):
    digest: str
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Idempotency:
    store: Store
    scope: str
    key: str | None

    async def run(self, body: object, produce: Callable[[], Awaitable[tuple[int, Any]]]) -> Response[Any]:
        """Produce the response once per key; replay it for the same key and body."""
        if self.key is None:
            status, content = await produce()
            return Response(content, status_code=status)
        digest = hashlib.sha256(msgspec.json.encode(body)).hexdigest()
        store_key = f"{self.scope}:{self.key}"
        if (raw := await self.store.get(store_key)) is not None:
            stored = msgspec.json.decode(raw, type=_Stored)
            if stored.digest != digest:
                raise RuleViolation(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used with another request body",
                    field="Idempotency-Key",
                )
            return Response(
                stored.body,
                status_code=stored.status,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        status, content = await produce()
        body_bytes = msgspec.json.encode(content)
        await self.store.set(
            store_key, msgspec.json.encode(_Stored(digest, status, body_bytes)), KEY_TTL_SECONDS
        )
        return Response(body_bytes, status_code=status, media_type="application/json")


async def provide_idempotency(request: Request[Any, Any, Any]) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise RuleViolation(
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
            field="Idempotency-Key",
        )
    user = request.scope.get("user")
    who = getattr(user, "user_id", "anonymous")
    scope = f"{request.method}:{request.url.path}:{who}"
    return Idempotency(store=request.app.stores.get("idempotency"), scope=scope, key=key)
