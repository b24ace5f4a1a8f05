"""A mail with a one-time code links to the page where the code is typed, at the site's public address
(``ESTIVAGE_PUBLIC_URL``), in both languages: the activation and reset codes to their code page with the
username filled in, a new e-mail address's code to the member's own page. The code is never in a link.
Read as delivered by a real SMTP server on loopback (aiosmtpd), then opened."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from accounts.models import Member, User
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import NOW, login
from tests.support.smtp import Inbox, deliver, later

PUBLIC_URL = "https://estivage.example"
BIRTH = date(1971, 5, 2)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url=PUBLIC_URL)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if tag == "a" and name == "href" and value]


def _code_and_link(message: EmailMessage) -> tuple[str, str]:
    """The code in the plain text, and the one link, the same in the text and in the HTML."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    code = re.search(r"\b(\d{6})\b", text.get_content())
    assert code, "the message carries the code"
    links = _Links()
    links.feed(html.get_content())
    [link] = links.found
    assert link in text.get_content()
    assert code.group(1) not in link
    return code.group(1), link


async def _mail(settings: Settings, inbox: tuple[Inbox, int], address: str) -> EmailMessage:
    box, port = inbox
    await deliver(settings, later(NOW, seconds=1), smtp_port=port)
    [message] = box.to(address)
    return message


async def _speaks(settings: Settings, username: str, language: str, *, imported: bool = False) -> None:
    """The member's language; ``imported``: as the roster import leaves them, a birth date and no password."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        values: dict[str, Any] = {"preferred_language": language}
        if imported:
            values["birth_date"] = BIRTH
            await session.execute(update(User).where(User.id == user_id).values(password_hash=""))
        await session.execute(update(Member).where(Member.user_id == user_id).values(**values))
        await session.commit()
    await engine.dispose()


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "Saisissez le code sur cette page"), ("ar", "اكتب الرمز في هذه الصفحة")]
)
async def test_the_activation_mail_links_to_the_code_page_with_the_member_number_filled_in(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int], language: str, words: str
) -> None:
    await _speaks(settings, "M0011", language, imported=True)
    body = {"member_number": "M0011", "birth_date": BIRTH.isoformat()}
    assert (await client.post("/api/auth/activate/start", json=body)).status_code == 202
    message = await _mail(settings, inbox, "m0011@members.estivage.example")
    assert message["Content-Language"] == language
    code, link = _code_and_link(message)
    assert words in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert link == f"{PUBLIC_URL}/activate/code?username=M0011"
    parts = urlsplit(link)
    page = await client.get(f"{parts.path}?{parts.query}", headers={"Accept-Language": language})
    assert page.status_code == 200
    assert 'action="/activate/code"' in page.text
    assert re.search(r'name="username"[^>]*value="M0011"|value="M0011"[^>]*name="username"', page.text)
    activated = await client.post(
        "/api/auth/activate", json={"username": "M0011", "code": code, "password": "cedars of the Atlas"}
    )
    assert activated.status_code == 200, activated.text


async def test_the_reset_mail_links_to_the_reset_code_page_with_the_username_filled_in(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    await _speaks(settings, "M0012", "ar")
    assert (
        await client.post("/api/auth/password-reset/start", json={"username": "M0012"})
    ).status_code == 202
    _code, link = _code_and_link(await _mail(settings, inbox, "m0012@members.estivage.example"))
    assert link == f"{PUBLIC_URL}/password-reset/code?username=M0012"
    parts = urlsplit(link)
    page = await client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert 'action="/password-reset/code"' in page.text


async def test_the_new_address_mail_links_to_the_members_own_page_and_names_no_one(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    member = await login(client, "M0013")
    started = await client.post("/api/me/email", headers=member, json={"email": "new.home@example.org"})
    assert started.status_code == 202, started.text
    _code, link = _code_and_link(await _mail(settings, inbox, "new.home@example.org"))
    # The address is not confirmed yet: the link says nothing of the account (the page is behind a login).
    assert link == f"{PUBLIC_URL}/me#email"
    page = await client.get(urlsplit(link).path, headers=member)
    assert page.status_code == 200
    assert 'action="/me/email/confirm"' in page.text
