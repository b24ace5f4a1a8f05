"""Logging in, reading one's account, and the login rate limit."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import PASSWORD, login


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


async def test_a_manager_sees_only_their_centre(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "manager-saidia")
    me = (await client.get("/api/me", headers=headers)).json()
    assert me["role"] == "manager"
    assert me["centres"] == ["saidia"]


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
