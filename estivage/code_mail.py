"""Stand-in delivery of the one-time codes (an e-mail change; an account's activation or password reset)
until the mail outbox (issue 17, ``notifications``) is on main: each message is written as an ``.eml`` file
under ``$ESTIVAGE_DATA_DIR/outbox/``, as the contract's no-SMTP default says. The mail work replaces this
one function with its outbox: an in-transaction handler of ``EmailChangeCodeIssued`` and
``AccountCodeIssued`` that enqueues the message (``notifications.facts.code_message``).

An after-commit handler: a file cannot be rolled back, so it is written only once the request is stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from accounts.contact.events import EmailChangeCodeIssued
from accounts.events import AccountCodeIssued
from kernel.i18n import Translator, translator

logger = logging.getLogger("estivage.mail")
SENDER = "Estivage <no-reply@estivage.example>"
CodeIssued = EmailChangeCodeIssued | AccountCodeIssued


def _name(event: CodeIssued) -> str:
    """What the message is, unique among the outbox's files."""
    if isinstance(event, AccountCodeIssued):
        # Two codes of one account in one instant (a clock that stands still) are two messages.
        return f"{event.purpose}-{event.account_id}-{uuid.uuid4().hex[:12]}"
    return f"email-change-{event.request_id}"


def _wording(event: CodeIssued, t: Translator) -> tuple[str, str]:
    """The subject and the line that says the code, in the member's language."""
    if isinstance(event, EmailChangeCodeIssued):
        return (
            t.gettext("Your code to confirm this e-mail address"),
            t.gettext("Your code to confirm this e-mail address: %(code)s", code=event.code),
        )
    if event.purpose == "activation":
        return (
            t.gettext("Your code to activate your Estivage account"),
            t.gettext("Your code to activate your account: %(code)s", code=event.code),
        )
    return (
        t.gettext("Your code to choose a new Estivage password"),
        t.gettext("Your code to choose a new password: %(code)s", code=event.code),
    )


def _lifetime(minutes: int, t: Translator) -> str:
    if minutes >= 1440 and minutes % 1440 == 0:  # an invitation's days
        return t.ngettext(
            "It works once, for %(num)s day.", "It works once, for %(num)s days.", minutes // 1440
        )
    return t.ngettext("It works once, for %(num)s minute.", "It works once, for %(num)s minutes.", minutes)


def code_message(event: CodeIssued) -> EmailMessage:
    t = translator(event.language)
    subject, code_line = _wording(event, t)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = event.address
    message["Subject"] = subject
    message["Date"] = format_datetime(event.occurred_at)
    message["Message-ID"] = make_msgid(idstring=_name(event), domain="estivage.example")
    message.set_content(
        "\n".join(
            [
                code_line,
                _lifetime(event.minutes, t),
                t.gettext("If you did not ask for it, ignore this message."),
            ]
        )
    )
    # After set_content, which drops every Content-* header set before it.
    message["Content-Language"] = event.language
    return message


def writer(outbox: Path) -> Callable[[CodeIssued], None]:
    """The after-commit handler that writes each code's message into ``outbox``."""

    def write(event: CodeIssued) -> None:
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{event.occurred_at:%Y%m%dT%H%M%S}-{_name(event)}.eml"
        partial = outbox / f".{name}.part"
        partial.write_bytes(bytes(code_message(event)))
        partial.replace(outbox / name)  # whole or not at all, for whoever reads the folder
        logger.info("code written to %s", outbox / name)

    return write
