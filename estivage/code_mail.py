"""Stand-in delivery of the e-mail change code until the mail outbox (issue 17, ``notifications``) is on
main: the message is written as an ``.eml`` file under ``$ESTIVAGE_DATA_DIR/outbox/``, as the contract's
no-SMTP default says. The mail work replaces this one function with its outbox: an in-transaction handler
of ``EmailChangeCodeIssued`` that enqueues the message (``notifications.facts.code_message``).

An after-commit handler: a file cannot be rolled back, so it is written only once the request is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from accounts.contact.events import EmailChangeCodeIssued
from kernel.i18n import translator

logger = logging.getLogger("estivage.mail")
SENDER = "Estivage <no-reply@estivage.example>"


def code_message(event: EmailChangeCodeIssued) -> EmailMessage:
    t = translator(event.language)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = event.address
    message["Subject"] = t.gettext("Your code to confirm this e-mail address")
    message["Date"] = format_datetime(event.occurred_at)
    message["Message-ID"] = make_msgid(idstring=f"email-change-{event.request_id}", domain="estivage.example")
    message["Content-Language"] = event.language
    message.set_content(
        "\n".join(
            [
                t.gettext("Your code to confirm this e-mail address: %(code)s", code=event.code),
                t.ngettext(
                    "It works once, for %(num)s minute.", "It works once, for %(num)s minutes.", event.minutes
                ),
                t.gettext("If you did not ask for it, ignore this message."),
            ]
        )
    )
    return message


def writer(outbox: Path) -> Callable[[EmailChangeCodeIssued], None]:
    """The after-commit handler that writes each code's message into ``outbox``."""

    def write(event: EmailChangeCodeIssued) -> None:
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{event.occurred_at:%Y%m%dT%H%M%S}-email-change-{event.request_id}.eml"
        partial = outbox / f".{name}.part"
        partial.write_bytes(bytes(code_message(event)))
        partial.replace(outbox / name)  # whole or not at all, for whoever reads the folder
        logger.info("e-mail change code written to %s", outbox / name)

    return write
