"""`estivage worker`: periodic housekeeping (expired holds, deadlines, reminders) and the mail outbox's
sender (``notifications.delivery``).

Nothing here is needed for correctness: an expired hold is already free for every reader. Running
several workers is safe: each job is an idempotent statement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.campaigns.settle import settle_job as settle_summer_offers
from booking.reception.services import record_due_no_shows
from booking.reminders import write_reminders
from booking.sweeper import mark_lapsed_holds_expired
from estivage import bootstrap, mail
from estivage.mail import mail_config
from inventory.sweeper import delete_expired_hold_nights
from kernel.db import create_engine, session_factory
from kernel.events import NO_HANDLERS, EventHandlers
from kernel.settings import Settings
from kernel.uow import UnitOfWork

logger = logging.getLogger("estivage.worker")

Job = Callable[[UnitOfWork, datetime], Awaitable[int]]
JOBS: dict[str, Job] = {
    "lapsed holds marked expired": mark_lapsed_holds_expired,
    "expired hold nights deleted": delete_expired_hold_nights,
    "summer offers settled (paid, lapsed, re-offered)": settle_summer_offers,
    "reminders written (payment due, arrival soon)": write_reminders,
    "stays nobody claimed recorded no-shows": record_due_no_shows,
}


async def run_once(
    sessions: Callable[[], AsyncSession], now: datetime, handlers: EventHandlers = NO_HANDLERS
) -> dict[str, int]:
    """Each job in its own unit of work (and its own transaction): one failing does not undo another."""
    done = {}
    for name, job in JOBS.items():
        async with sessions() as session:
            done[name] = await job(UnitOfWork(session, handlers), now)
    return done


MAIL_STOP_SECONDS = 20.0


async def run_forever(settings: Settings, interval_seconds: float) -> None:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    handlers = bootstrap.event_handlers(bootstrap.payment_providers(settings), mail=mail_config(settings))
    # The mail outbox's sender runs beside the housekeeping, on its own beat (notifications.delivery).
    stop_mail = asyncio.Event()
    mail_sender = asyncio.create_task(mail.sender(settings, sessions).run(idle_seconds=5.0, stop=stop_mail))
    try:
        while True:
            try:
                for name, count in (await run_once(sessions, datetime.now(UTC), handlers)).items():
                    if count:
                        logger.info("%s: %d", name, count)
            except Exception:
                # A database blip must not stop housekeeping for good; the next round retries.
                logger.exception("housekeeping round failed")
            await asyncio.sleep(interval_seconds)
    finally:
        # The sender ends its round (a message being sent is sent and recorded), then stops; cancelled
        # only if a mail server holds it longer than a graceful stop may take.
        stop_mail.set()
        try:
            await asyncio.wait_for(asyncio.shield(mail_sender), MAIL_STOP_SECONDS)
        except TimeoutError:
            mail_sender.cancel()
            with suppress(asyncio.CancelledError):
                await mail_sender
        await engine.dispose()
