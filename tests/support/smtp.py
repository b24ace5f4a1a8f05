"""A real SMTP server on loopback for the mail tests (aiosmtpd, in a thread), and the helpers that run
the outbox's sender against it or against the ``.eml`` folder."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from estivage.mail import transports
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from notifications.delivery import Sender
from notifications.domain.delivery import Channel
from notifications.transports import Smtp, SmtpServer


class Inbox:
    """The server's handler: keeps every message it accepts; refuses the addresses in ``refuse`` (550)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[Inbox, int]]:
    """A loopback SMTP server on ``port`` (a free one by default) until the block ends: its inbox and port."""
    box, port = Inbox(), free_port() if port is None else port
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


async def deliver(
    settings: Settings,
    clock: Callable[[], datetime],
    *,
    smtp_port: int | None = None,
    transport: Any = None,
    name: str | None = None,
    batch: int = 50,
) -> int:
    """One sender's round over the test's database: to the loopback server at ``smtp_port``, to the
    given transport, or to the ``.eml`` folder; how many messages went."""
    engine = create_disposable_engine(settings.database_url)
    try:
        if transport is not None:
            chosen = {Channel.EMAIL: transport}
        elif smtp_port is not None:
            chosen = {
                Channel.EMAIL: Smtp(
                    SmtpServer("127.0.0.1", smtp_port, None, None, False), settings.mail_from, timeout=5
                )
            }
        else:
            chosen = transports(settings)
        sender = Sender(session_factory(engine), chosen, clock, name=name, batch=batch)
        try:
            return await sender.deliver_due()
        finally:
            for used in chosen.values():
                await used.close()
    finally:
        await engine.dispose()


def later(now: datetime, **delta: float) -> Callable[[], datetime]:
    moment = now + timedelta(**delta)
    return lambda: moment
