"""Activation and password reset by a one-time code sent by mail (issue 16.2), end to end: ask for the
code, read the message written to the outbox, use the code, log in. 202 whatever the input; codes are
single-use, short-lived, hashed, limited in tries; a reset ends every session of the account."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from accounts.models import AccountCode, Member, User
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import PASSWORD, Clock, login
from tests.e2e.test_my_data import code_in, code_mails

ADDRESS = "m0007@members.estivage.example"
BIRTH = date(1968, 3, 14)
NEW_PASSWORD = "olive trees of Ifrane"


async def _as_imported(settings: Settings, username: str = "M0007") -> None:
    """As the roster import leaves a member: a birth date, and no password until they activate."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        await session.execute(update(User).where(User.id == user_id).values(password_hash=""))
        await session.execute(update(Member).where(Member.user_id == user_id).values(birth_date=BIRTH))
        await session.commit()
    await engine.dispose()


async def _stored_codes(settings: Settings) -> list[AccountCode]:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        codes = list(await session.scalars(select(AccountCode)))
    await engine.dispose()
    return codes


async def _start_activation(client: AsyncTestClient[Any], number: str = "M0007", born: date = BIRTH) -> Any:
    body = {"member_number": number, "birth_date": born.isoformat()}
    return await client.post("/api/auth/activate/start", json=body)


async def test_a_member_of_the_roster_activates_by_code_and_logs_in(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _as_imported(settings)
    assert (
        await client.post("/api/auth/token", json={"username": "M0007", "password": ""})
    ).status_code == 401
    started = await _start_activation(client)
    assert started.status_code == 202
    [message] = await code_mails(settings, ADDRESS)
    code = code_in(message)
    # Only the code's salted hash is kept.
    [stored] = await _stored_codes(settings)
    assert code not in (stored.code_sha256, stored.code_salt)
    assert stored.purpose == "activation"
    activated = await client.post(
        "/api/auth/activate", json={"username": "M0007", "code": code, "password": NEW_PASSWORD}
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["role"] == "member"
    assert await login(client, "M0007", NEW_PASSWORD)
    # Single use: the same code again is refused, and nothing changes.
    again = await client.post(
        "/api/auth/activate", json={"username": "M0007", "code": code, "password": "another password!"}
    )
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_code"
    assert await login(client, "M0007", NEW_PASSWORD)


async def test_the_activation_mail_is_in_the_members_language(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _as_imported(settings, "M0001")  # M0001 prefers Arabic
    await _start_activation(client, "M0001")
    [message] = await code_mails(settings, "m0001@members.estivage.example")
    assert message["Content-Language"] == "ar"


async def test_asking_for_a_code_answers_202_whoever_asks_and_mails_only_the_member(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _as_imported(settings)
    answers = [
        await _start_activation(client, "M9999"),  # nobody
        await _start_activation(client, "M0007", date(1970, 1, 1)),  # wrong birth date
        await _start_activation(client, "M0008"),  # already has a password
        await client.post("/api/auth/password-reset/start", json={"username": "nobody"}),
        await client.post("/api/auth/password-reset/start", json={"username": "M0009"}),
    ]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1  # the same answer, word for word
    assert await code_mails(settings, ADDRESS) == []
    assert len(await code_mails(settings, "m0009@members.estivage.example")) == 1
    assert len(list(settings.mail_outbox.glob("*.eml"))) == 1


async def test_a_reset_ends_every_session_of_the_account_and_signs_this_one_in(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    phone = await client.post("/api/auth/token", json={"username": "M0009", "password": PASSWORD})
    browser = await login(client, "M0009")
    assert (
        await client.post("/api/auth/password-reset/start", json={"username": "M0009"})
    ).status_code == 202
    code = code_in((await code_mails(settings, "m0009@members.estivage.example"))[0])
    reset = await client.post(
        "/api/auth/password-reset", json={"username": "M0009", "code": code, "password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    assert (await client.get("/api/me", headers=browser)).status_code == 401
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": phone.json()["refresh_token"]})
    assert refreshed.status_code == 401
    fresh = {"Authorization": f"Bearer {reset.json()['access_token']}"}
    assert (await client.get("/api/me", headers=fresh)).status_code == 200
    old = await client.post("/api/auth/token", json={"username": "M0009", "password": PASSWORD})
    assert old.status_code == 401
    assert await login(client, "M0009", NEW_PASSWORD)


async def test_a_code_dies_after_five_wrong_tries_and_when_its_minutes_are_over(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    start = {"username": "M0010"}
    await client.post("/api/auth/password-reset/start", json=start)
    code = code_in((await code_mails(settings, "m0010@members.estivage.example"))[0])
    wrong = "000000" if code != "000000" else "111111"
    body = {"username": "M0010", "password": NEW_PASSWORD}
    tries = [await client.post("/api/auth/password-reset", json={**body, "code": wrong}) for _ in range(5)]
    assert [t.status_code for t in tries] == [400] * 5
    assert tries[0].json()["params"] == {"attempts_left": 4}
    dead = await client.post("/api/auth/password-reset", json={**body, "code": code})
    assert dead.status_code == 400
    assert await login(client, "M0010")  # nothing changed

    await client.post("/api/auth/password-reset/start", json=start)
    late = code_in((await code_mails(settings, "m0010@members.estivage.example"))[-1])
    clock.advance(minutes=16)
    expired = await client.post("/api/auth/password-reset", json={**body, "code": late})
    assert expired.status_code == 400
    assert await login(client, "M0010")


async def test_an_activation_code_does_not_reset_and_a_short_password_changes_nothing(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await client.post("/api/auth/password-reset/start", json={"username": "M0011"})
    code = code_in((await code_mails(settings, "m0011@members.estivage.example"))[0])
    short = await client.post(
        "/api/auth/password-reset", json={"username": "M0011", "code": code, "password": "short"}
    )
    assert short.status_code == 422
    assert short.json()["code"] == "weak_password"
    wrong_purpose = await client.post(
        "/api/auth/activate", json={"username": "M0011", "code": code, "password": NEW_PASSWORD}
    )
    assert wrong_purpose.status_code == 400
    # The code still works where it belongs (a short password spent no try).
    ok = await client.post(
        "/api/auth/password-reset", json={"username": "M0011", "code": code, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 200


async def test_a_member_asks_for_at_most_five_codes_a_day(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    for _ in range(7):
        answer = await client.post("/api/auth/password-reset/start", json={"username": "M0012"})
        assert answer.status_code == 202
    assert len(await code_mails(settings, "m0012@members.estivage.example")) == 5
