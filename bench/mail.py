"""Messages per second that one sender delivers from the outbox to a real SMTP server on loopback.

    uv run python -m bench.mail [--messages 500]

In-process, on a temporary migrated SQLite database: ``--messages`` one-time-code messages are written to
the outbox (``notifications.outbox.enqueue``), then one ``notifications.delivery.Sender`` with the SMTP
transport (aiosmtplib, one connection kept open) delivers them to aiosmtpd on 127.0.0.1, each claimed,
sent and recorded as in production. Prints the count received and messages per second.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller

from estivage.migrate import upgrade
from kernel.db import create_engine, session_factory
from kernel.i18n import translator
from notifications import letters
from notifications.delivery import Sender
from notifications.domain.delivery import Channel
from notifications.outbox import enqueue
from notifications.transports import Smtp, SmtpServer

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802, ARG002
        self.count += 1
        return "250 OK"


async def run(url: str, messages: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        t = translator("fr")
        for n in range(messages):
            await enqueue(
                session,
                key=f"bench:{n}",
                kind="code_bench",
                user_id=None,
                recipient=f"member{n}@members.estivage.example",
                letter=letters.code(t, "activation", f"{n:06d}", 15, "https://bench.example/activate/code"),
                now=NOW,
            )
        await session.commit()
    counter = Counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = Smtp(
            SmtpServer("127.0.0.1", port, None, None, implicit_tls=False), "Estivage <b@estivage.example>"
        )
        sender = Sender(sessions, {Channel.EMAIL: smtp}, lambda: NOW + timedelta(seconds=1))
        started = time.perf_counter()
        sent = await sender.deliver_due()
        elapsed = time.perf_counter() - started
        await smtp.close()
    finally:
        controller.stop()
        await engine.dispose()
    print(f"mail: {sent} sent, {counter.count} received in {elapsed:.2f} s: {sent / elapsed:.0f} messages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        asyncio.run(run(url, parser.parse_args().messages))


if __name__ == "__main__":
    main()
