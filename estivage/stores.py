"""The shared key-value store (Redis in production), made to degrade instead of failing requests.

What lives in the store is never the truth: login rate-limit counters, `Idempotency-Key` replays and
caches. Bookings, payments and passes are in the database. So when Redis is unreachable (down, or
stopped mid-run), every store operation answers as an empty store would:

- rate limits fail open (each request looks like the first of its window);
- `Idempotency-Key` fails open: the request runs as if it carried no key and its answer is not kept.
  A retried hold, checkout or cancel then meets the domain rules instead of a replay (one open hold per
  member: 409; one payment per booking and provider: the same payment; a cancelled booking: 409),
  which is safe. A per-process memory fallback was rejected: with several replicas it would replay on
  one and not on another, and its keys would vanish when Redis came back.

Each failure is counted (``estivage_store_errors_total{operation}``) and logged at most every
``WARN_EVERY_SECONDS``; after a failure the store is skipped for ``RETRY_AFTER_SECONDS`` so that a
dead Redis costs requests nothing. ``/ready`` probes Redis itself and reports ``"store": "degraded"``
(still HTTP 200: the service serves).
"""

from __future__ import annotations

import time
from datetime import timedelta

import structlog
from litestar.stores.base import NamespacedStore, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from prometheus_client import Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from estivage.observability import STORE_ERRORS
from kernel.settings import Settings

RETRY_AFTER_SECONDS = 2.0
WARN_EVERY_SECONDS = 30.0
# A Redis that does not answer must not hold a request for long.
SOCKET_TIMEOUT_SECONDS = 0.5

STORE_DEGRADED = Gauge(
    "estivage_store_degraded",
    "1 while the shared store (Redis) is unreachable and skipped",
    multiprocess_mode="max",
)

logger = structlog.get_logger("estivage.stores")

FAILURES = (RedisError, OSError, TimeoutError)


class StoreHealth:
    """Shared by every namespace of one Redis connection: one failure skips them all for a moment."""

    def __init__(self, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self.retry_after = retry_after
        self.skip_until = 0.0
        self.last_warning = float("-inf")
        self.failing = False

    def usable(self) -> bool:
        return time.monotonic() >= self.skip_until

    def failed(self, operation: str, error: BaseException) -> None:
        now = time.monotonic()
        STORE_ERRORS.labels(operation).inc()
        STORE_DEGRADED.set(1)
        self.skip_until = now + self.retry_after
        self.failing = True
        if now - self.last_warning >= WARN_EVERY_SECONDS:
            self.last_warning = now
            logger.warning(
                "shared store unreachable: serving without it",
                operation=operation,
                error=f"{type(error).__name__}: {error}",
                retry_after_s=self.retry_after,
            )

    def succeeded(self) -> None:
        self.skip_until = 0.0  # reached (readiness probes through the skip window): use it again
        if self.failing:
            self.failing = False
            self.last_warning = float("-inf")
            STORE_DEGRADED.set(0)
            logger.info("shared store reachable again")


class DegradingStore(NamespacedStore):
    """A store that answers as an empty store while the one it wraps is unreachable."""

    def __init__(self, inner: NamespacedStore, health: StoreHealth) -> None:
        self.inner = inner
        self.health = health
        self.namespace = getattr(inner, "namespace", None)

    def with_namespace(self, namespace: str) -> DegradingStore:
        return DegradingStore(self.inner.with_namespace(namespace), self.health)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        if self.health.usable():
            try:
                await self.inner.set(key, value, expires_in)
            except FAILURES as error:
                self.health.failed("set", error)
            else:
                self.health.succeeded()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if not self.health.usable():
            return None
        try:
            value = await self.inner.get(key, renew_for)
        except FAILURES as error:
            self.health.failed("get", error)
            return None
        self.health.succeeded()
        return value

    async def delete(self, key: str) -> None:
        if self.health.usable():
            try:
                await self.inner.delete(key)
            except FAILURES as error:
                self.health.failed("delete", error)

    async def delete_all(self) -> None:
        if self.health.usable():
            try:
                await self.inner.delete_all()
            except FAILURES as error:
                self.health.failed("delete_all", error)

    async def exists(self, key: str) -> bool:
        if not self.health.usable():
            return False
        try:
            return await self.inner.exists(key)
        except FAILURES as error:
            self.health.failed("exists", error)
            return False

    async def expires_in(self, key: str) -> int | None:
        if not self.health.usable():
            return None
        try:
            return await self.inner.expires_in(key)
        except FAILURES as error:
            self.health.failed("expires_in", error)
            return None

    async def probe(self) -> bool:
        """Reach the real store now, whatever the skip window says (readiness asks this)."""
        try:
            await self.inner.exists("readiness-probe")
        except FAILURES as error:
            self.health.failed("probe", error)
            return False
        self.health.succeeded()
        return True


def redis_client(url: str) -> Redis:
    client: Redis = Redis.from_url(
        url,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        decode_responses=False,
    )
    return client


def redis_store(url: str, namespace: str) -> RedisStore:
    return RedisStore(redis_client(url), namespace=namespace, handle_client_shutdown=True)


def store_registry(settings: Settings) -> StoreRegistry:
    """Redis when REDIS_URL is set (shared by every replica, degrading when down), memory otherwise."""
    if settings.redis_url:
        root = DegradingStore(redis_store(settings.redis_url, settings.store_namespace), StoreHealth())

        def redis_factory(name: str) -> Store:
            return root.with_namespace(name)

        return StoreRegistry(default_factory=redis_factory)

    def memory_factory(_name: str) -> Store:
        return MemoryStore()

    return StoreRegistry(default_factory=memory_factory)


async def store_state(store: Store) -> str:
    """ "ok", or "degraded" when the shared store is unreachable (the service keeps serving)."""
    if isinstance(store, DegradingStore):
        return "ok" if await store.probe() else "degraded"
    await store.exists("readiness-probe")
    return "ok"
