"""A member imported without e-mail activates and resets their password with a code sent by text message
to their phone (issue 16's gap), through the loopback SMS gateway; the answer is the same 202 whatever the
input; a member with neither e-mail nor phone, or a phone while SMS is not set up, gets nothing sent."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.models import Member, User
from estivage.app import create_app
from kernel.db import create_disposable_engine, session_factory
from kernel.i18n import translator
from kernel.settings import Settings
from notifications.models import OutboxMessage
from tests.conftest import NOW, Clock, login
from tests.integration.test_sms import Gateway, gateway  # noqa: F401 - the loopback SMS gateway fixture
from tests.support.smtp import deliver, later

BIRTH = date(1968, 3, 14)
PHONE = "+212 661 00 00 07"
NEW_PASSWORD = "olive trees of Ifrane"


async def _imported(settings: Settings, email: str, phone: str) -> None:
    """M0007 as the roster import leaves them, with this e-mail and phone (either may be empty)."""
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            user_id = await session.scalar(select(User.id).where(User.username == "M0007"))
            await session.execute(update(User).where(User.id == user_id).values(password_hash=""))
            await session.execute(
                update(Member)
                .where(Member.user_id == user_id)
                .values(birth_date=BIRTH, email=email, phone=phone, preferred_language="fr")
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _outbox_rows(settings: Settings) -> int:
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    finally:
        await engine.dispose()


async def _texted_code(settings: Settings) -> str:
    """The code in the one text message the gateway got since the last call, sent to PHONE."""
    assert await deliver(settings, later(NOW, minutes=1)) == 1
    [(_path, body)] = Gateway.received
    Gateway.received.clear()
    sms = json.loads(body)
    assert sms["to"] == PHONE
    found = re.search(r"\b(\d{6})\b", sms["text"])
    assert found, sms["text"]
    return found.group(1)


@pytest.fixture
async def with_sms(settings: Settings, gateway: str) -> Settings:  # noqa: F811 - the fixture imported above
    return dataclasses.replace(settings, sms_url=gateway + "/send")


@pytest.fixture
async def texting(with_sms: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(with_sms, clock=clock)) as client:
        yield client


async def test_a_member_without_e_mail_activates_and_resets_with_codes_sent_to_their_phone(
    texting: AsyncTestClient[Any], with_sms: Settings
) -> None:
    await _imported(with_sms, email="", phone=PHONE)
    started = await texting.post(
        "/api/auth/activate/start", json={"member_number": "M0007", "birth_date": BIRTH.isoformat()}
    )
    assert started.status_code == 202
    code = await _texted_code(with_sms)
    activated = await texting.post(
        "/api/auth/activate", json={"username": "M0007", "code": code, "password": NEW_PASSWORD}
    )
    assert activated.status_code == 200, activated.text
    assert await login(texting, "M0007", NEW_PASSWORD)

    asked = await texting.post("/api/auth/password-reset/start", json={"username": "M0007"})
    assert asked.status_code == 202
    code = await _texted_code(with_sms)
    reset = await texting.post(
        "/api/auth/password-reset", json={"username": "M0007", "code": code, "password": "a second password"}
    )
    assert reset.status_code == 200, reset.text
    assert await login(texting, "M0007", "a second password")


async def test_the_text_message_is_in_the_members_language(
    texting: AsyncTestClient[Any], with_sms: Settings
) -> None:
    await _imported(with_sms, email="", phone=PHONE)
    await texting.post("/api/auth/password-reset/start", json={"username": "M0007"})
    assert await deliver(with_sms, later(NOW, minutes=1)) == 1
    [(_path, body)] = Gateway.received
    text = json.loads(body)["text"]
    words = translator("fr").ngettext(
        "Estivage: your code %(code)s works once, for %(num)s minute.",
        "Estivage: your code %(code)s works once, for %(num)s minutes.",
        15,
        code="|",
    )
    assert text.startswith(words.split("|")[0])
    assert words != "Estivage: your code | works once, for 15 minutes."


@pytest.mark.parametrize(("email", "phone", "sms"), [("", "", True), ("", PHONE, False)])
async def test_a_member_no_code_can_reach_gets_the_same_202_and_nothing_is_sent(
    settings: Settings, with_sms: Settings, clock: Clock, email: str, phone: str, sms: bool
) -> None:
    chosen = with_sms if sms else settings
    await _imported(chosen, email=email, phone=phone)
    async with AsyncTestClient(app=create_app(chosen, clock=clock)) as client:
        started = await client.post(
            "/api/auth/activate/start", json={"member_number": "M0007", "birth_date": BIRTH.isoformat()}
        )
        wrong = await client.post(
            "/api/auth/activate/start", json={"member_number": "M0007", "birth_date": "1970-01-01"}
        )
    assert (started.status_code, wrong.status_code) == (202, 202)
    assert await _outbox_rows(chosen) == 0
    assert await deliver(chosen, later(NOW, minutes=1)) == 0
    assert Gateway.received == []
