"""How a message leaves: SMTP (``ESTIVAGE_SMTP_URL``), ``.eml`` files when no server is set, and an SMS
gateway over HTTP (``notifications.sms``). A transport raises ``Refused`` for a final no (5xx, a bad
address) and ``Unreachable`` for anything worth trying again (no connection, 4xx, a timeout).

SMTP is spoken by aiosmtplib rather than the standard library's smtplib: the sender is a task of an
asyncio process (the worker, or the demo's server), and aiosmtplib's client yields while it waits on the
network instead of holding a thread per send; it keeps one connection open across a batch, supports
implicit TLS (``smtps://``) and STARTTLS, and is cancelled cleanly when the process stops.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from kernel.settings import SettingsError
from notifications.domain.delivery import is_permanent


class Refused(Exception):
    """The server said no for good: trying again changes nothing."""


class Unreachable(Exception):
    """Not delivered this time (server down, busy, 4xx): try again later."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as the sender hands it over."""

    id: str
    kind: str
    recipient: str
    content: bytes  # the full message for mail; the text for an SMS
    stamp: str  # ``YYYYmmddTHHMMSS`` of its creation, for file names


class Transport(Protocol):
    async def send(self, message: Outgoing) -> None: ...

    async def close(self) -> None: ...


def stamped(message: Outgoing, mail_from: str) -> EmailMessage:
    """The stored message with its ``From`` and its ``Message-ID``, which is the row's id: the same on
    every try, so a copy sent again after a crash is recognisably the same message."""
    parsed = email.message_from_bytes(message.content, policy=email.policy.SMTP)
    assert isinstance(parsed, EmailMessage)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "estivage.example"
    del parsed["From"], parsed["Message-ID"]
    parsed["From"] = mail_from
    parsed["Message-ID"] = f"<{message.id}@{domain}>"
    return parsed


class EmlFiles:
    """No mail server: each message is a file ``<created>-<kind>-<id>.eml`` in the folder (the contract's
    default), written whole or not at all; written again after a crash, it replaces itself."""

    def __init__(self, folder: Path, mail_from: str) -> None:
        self.folder = folder
        self.mail_from = mail_from

    async def send(self, message: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message.stamp}-{message.kind}-{message.id}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(bytes(stamped(message, self.mail_from)))
        partial.replace(self.folder / name)

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:pass@]host:port`` (STARTTLS when the server offers it) or ``smtps://`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise SettingsError("ESTIVAGE_SMTP_URL: use smtp://[user:pass@]host:port or smtps://…")
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
    )


class Smtp:
    """One connection kept open while messages flow; opened again after any failure."""

    def __init__(self, server: SmtpServer, mail_from: str, timeout: float = 30) -> None:
        self.server = server
        self.mail_from = mail_from
        self.timeout = timeout
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            use_tls=self.server.implicit_tls,
            start_tls=None,  # STARTTLS if offered
            username=self.server.username,
            password=self.server.password,
            timeout=self.timeout,
        )
        await client.connect()
        self._client = client
        return client

    async def send(self, message: Outgoing) -> None:
        try:
            client = await self._connected()
            await client.send_message(stamped(message, self.mail_from), recipients=[message.recipient])
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [error.code for error in refused.recipients]
            await self._drop()
            if all(is_permanent(code) for code in codes):
                raise Refused("; ".join(f"{e.code} {e.message}" for e in refused.recipients)) from refused
            raise Unreachable(str(refused)) from refused
        except aiosmtplib.SMTPResponseException as response:
            await self._drop()
            if is_permanent(response.code):
                raise Refused(f"{response.code} {response.message}") from response
            raise Unreachable(f"{response.code} {response.message}") from response
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as failure:
            await self._drop()
            raise Unreachable(f"{type(failure).__name__}: {failure}") from failure

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            client.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
