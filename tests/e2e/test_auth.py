"""Logging in, reading one's account, and the login rate limit."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import PASSWORD, login
from tests.e2e.test_my_data import code_in, code_mails


async def test_a_member_logs_in_and_reads_their_category(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/auth/token", json={"username": "M0005", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "member"
    assert body["expires_in"] > 0
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "M0005"
    assert me.json()["category"] == "retired"  # every fifth demo member is retired
    assert me.json()["email"] == "m0005@members.estivage.example"
    assert me.json()["language"] in {"fr", "ar"}


async def test_me_follows_the_members_own_language_and_email_change(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    headers = await login(client, "M0006")
    changed = await client.patch("/api/me/contact", headers=headers, json={"language": "ar"})
    assert changed.status_code == 200
    assert (await client.get("/api/me", headers=headers)).json()["language"] == "ar"
    asked = await client.post("/api/me/email", headers=headers, json={"email": "salma@example.org"})
    assert asked.status_code == 202
    code = code_in((await code_mails(settings, "salma@example.org"))[0])
    confirmed = await client.post("/api/me/email/confirm", headers=headers, json={"code": code})
    assert confirmed.status_code == 200
    assert (await client.get("/api/me", headers=headers)).json()["email"] == "salma@example.org"


async def test_a_manager_sees_only_their_centre(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "manager-saidia")
    me = (await client.get("/api/me", headers=headers)).json()
    assert me["role"] == "manager"
    assert me["centres"] == ["saidia"]
    assert "language" not in me  # a member's setting; a manager's pages follow the browser


async def test_a_wrong_password_is_401_problem_and_says_nothing_of_which_part(
    client: AsyncTestClient[Any],
) -> None:
    wrong_password = await client.post("/api/auth/token", json={"username": "M0001", "password": "nope"})
    unknown_user = await client.post("/api/auth/token", json={"username": "M9999", "password": "nope"})
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"] == "wrong username or password"


async def test_a_login_without_password_is_a_clear_400(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/auth/token", json={"username": "M0001"})
    assert response.status_code == 400
    assert "password" in response.json()["detail"]


async def test_without_a_token_the_api_answers_401(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    forged = await client.get("/api/me", headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401


async def test_login_attempts_are_rate_limited(client: AsyncTestClient[Any]) -> None:
    statuses = [
        (await client.post("/api/auth/token", json={"username": "M0001", "password": "guess"})).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    limited = await client.post("/api/auth/token", json={"username": "M0001", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
