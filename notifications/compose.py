"""A message as a member reads it: the words (already in their language), the facts as a table, a link,
attachments; rendered as plain text and as HTML (``dir="rtl"`` in Arabic), and as one MIME message.

Pure: no database. ``notifications.letters`` writes the words; this module only lays them out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from kernel.i18n import DIRECTION


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Letter:
    language: str
    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, str], ...] = ()
    link: tuple[str, str] | None = None  # (words, address)
    closing: str = ""
    attachments: tuple[Attachment, ...] = field(default=())
    # A short form for a text message (SMS), when the letter has one.
    short: str = ""


def render_text(letter: Letter) -> str:
    lines = [letter.greeting, ""]
    for paragraph in letter.paragraphs:
        lines += [paragraph, ""]
    if letter.facts:
        lines += [f"{label} : {value}" for label, value in letter.facts]
        lines.append("")
    if letter.link:
        lines += [f"{letter.link[0]} : {letter.link[1]}", ""]
    if letter.closing:
        lines.append(letter.closing)
    return "\n".join(lines).rstrip() + "\n"


def render_html(letter: Letter) -> str:
    e = html.escape
    direction = DIRECTION.get(letter.language, "ltr")
    align = "right" if direction == "rtl" else "left"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(letter.language)}" dir="{direction}">',
        f'<head><meta charset="utf-8"><title>{e(letter.subject)}</title></head>',
        f'<body dir="{direction}" style="font-family: sans-serif; text-align: {align};">',
        f"<p>{e(letter.greeting)}</p>",
        *(f"<p>{e(paragraph)}</p>" for paragraph in letter.paragraphs),
    ]
    if letter.facts:
        parts.append('<table role="presentation" cellpadding="4">')
        parts += [
            f'<tr><th scope="row" style="text-align: {align};">{e(label)}</th><td>{e(value)}</td></tr>'
            for label, value in letter.facts
        ]
        parts.append("</table>")
    if letter.link:
        parts.append(f'<p><a href="{e(letter.link[1])}">{e(letter.link[0])}</a></p>')
    if letter.closing:
        parts.append(f"<p>{e(letter.closing)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_mime(letter: Letter, *, recipient: str, date: datetime) -> EmailMessage:
    """The message but its ``From`` and ``Message-ID``, stamped by the sender (``notifications.delivery``)."""
    return mime(
        letter.subject,
        render_text(letter),
        render_html(letter),
        letter.language,
        recipient=recipient,
        date=date,
        attachments=letter.attachments,
    )


def mime(
    subject: str,
    text: str,
    html_body: str,
    language: str,
    *,
    recipient: str,
    date: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A message from its parts as rendered: what ``to_mime`` makes of a letter, and what the sender makes
    of a stored row without attachments (its subject and bodies), the same bytes on every try."""
    message = EmailMessage()
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message.set_content(text)
    message.add_alternative(html_body, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    # After the parts: making a message multipart moves its Content-* headers into the first part.
    message["Content-Language"] = language
    return message
