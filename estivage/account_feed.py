"""Every server process hears at once that an account changed: Redis pub/sub behind the process-local
copies of accounts' states (``accounts.tokens.LocalStates``, where the argument for their safety is).

``AccountStates.forget`` publishes the account's id on one channel (per store namespace); each process
subscribes in the app's lifespan and drops the named copy. The copies are used only while this process
knows it hears the channel: the subscription confirmed, and something heard (a message, or the answer to
the ping sent every ``PING_SECONDS``) within ``HEARD_SECONDS``. Otherwise, Redis down or unreachable, the
connection dropped or silent, requests are checked as without the copies (store, then database), and the
listener subscribes again every ``RETRY_SECONDS``, clearing the copies each time.

Left by design: a request that reaches a process in the very event-loop turn in which Redis's message
does (the message is written before the publisher's answer, so before a client can send its next
request anywhere) may still be answered from the copy; the listener's task runs on the next turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from accounts.tokens import LocalStates
from estivage.stores import FAILURES, StoreHealth, redis_client
from kernel.settings import Settings

CHANNEL = "accounts:forget"
PING_SECONDS = 0.5
# Three pings unanswered: the connection is given up and the copies bypassed. This is also how long a
# Redis gone silent (a network partition, where a closed connection would be seen at once) leaves this
# process trusting its copies while a change made elsewhere could not be published.
HEARD_SECONDS = 1.5
RETRY_SECONDS = 1.0


class RedisAccountFeed:
    """Publishes the accounts forgotten here; hears those forgotten anywhere (this process included)."""

    def __init__(self, url: str, namespace: str) -> None:
        self.client = redis_client(url)
        self.channel = f"{namespace}:{CHANNEL}"
        self.local = LocalStates()
        self.health = StoreHealth()  # counted and logged as the store's failures are
        self.task: asyncio.Task[None] | None = None

    async def publish(self, user_id: int) -> None:
        # Tried even within the store's skip window: Redis may be back for the other processes.
        try:
            await self.client.publish(self.channel, str(user_id))
        except FAILURES as error:
            # A process that still hears Redis keeps its copy, as it kept the store's copy before this
            # layer: at most CACHE_SECONDS after that copy's database read.
            self.health.failed("publish", error)

    @asynccontextmanager
    async def listening(self, _app: Any) -> AsyncIterator[None]:
        """A Litestar lifespan: the listener runs as long as the app."""
        self.task = asyncio.create_task(self._listen(), name="account-feed")
        try:
            yield
        finally:
            await self.stop()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with suppress(asyncio.CancelledError):
                await self.task
        await self.client.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                await self._follow()
            except FAILURES as error:
                self.health.failed("subscribe", error)
            finally:
                self.local.deaf()
            await asyncio.sleep(RETRY_SECONDS)

    async def _follow(self) -> None:
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            pinged = time.monotonic()
            heard = pinged
            while True:
                message = await pubsub.get_message(timeout=PING_SECONDS)
                now = time.monotonic()
                if message is not None:
                    heard = now
                    self._heard(message)
                elif now - heard >= HEARD_SECONDS:
                    raise TimeoutError("Redis answers no ping on the accounts' channel")
                if now - pinged >= PING_SECONDS:
                    pinged = now
                    await pubsub.ping()
        finally:
            with suppress(*FAILURES):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _heard(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "subscribe":  # from here on every message reaches us; what came before may not have
            self.local.clear()
            self.health.succeeded()
        elif kind == "message":
            try:
                self.local.drop(int(message["data"]))
            except ValueError:  # not an account id: whoever it meant, forget them all
                self.local.clear()
        self.local.heard(HEARD_SECONDS)


def account_feed(settings: Settings) -> RedisAccountFeed | None:
    """With Redis only. The embedded memory store lives in the one process (``estivage serve --workers 1``
    without Redis): a copy in front of it would save nothing, and several workers on memory stores
    already share no changes, so that case stays as it was."""
    if not settings.redis_url:
        return None
    return RedisAccountFeed(settings.redis_url, settings.store_namespace)
