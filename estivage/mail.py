"""The mail outbox wired to the settings: what the messages need (``MailConfig``) and the sender with its
transports (SMTP at ``ESTIVAGE_SMTP_URL``, else ``.eml`` files under the data directory; SMS when
``ESTIVAGE_SMS_URL`` is set). The worker runs the sender; the demo's server runs it itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from kernel.db import session_factory
from kernel.settings import Settings
from notifications.delivery import Clock, Sender
from notifications.domain.delivery import Channel
from notifications.handlers import MailConfig
from notifications.sms import HttpSms
from notifications.transports import EmlFiles, Smtp, Transport, parse_smtp_url


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(
        keys_path=settings.pass_keys_path,
        public_url=settings.public_url or "http://127.0.0.1:8000",
        sms=settings.sms_url is not None,
    )


def transports(settings: Settings) -> dict[str, Transport]:
    mail: Transport = (
        Smtp(parse_smtp_url(settings.smtp_url), settings.mail_from)
        if settings.smtp_url
        else EmlFiles(settings.mail_outbox, settings.mail_from)
    )
    found: dict[str, Transport] = {Channel.EMAIL: mail}
    if settings.sms_url:
        found[Channel.SMS] = HttpSms(settings.sms_url, settings.sms_template)
    return found


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sender(settings: Settings, sessions: Callable[[], AsyncSession], clock: Clock = _utc_now) -> Sender:
    return Sender(sessions, transports(settings), clock)


def in_app_sender(
    settings: Settings, engine: AsyncEngine
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that runs the sender beside the server (``estivage demo``: no worker needed)."""

    @asynccontextmanager
    async def running(_app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(sender(settings, session_factory(engine)).run(idle_seconds=2.0))
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return running
