"""Sessions (issue 16.4, 15.9): short access tokens, logout that revokes, rotating refresh tokens with
reuse detected, and the pages kept signed in by a refresh cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.security.jwt import Token
from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import PASSWORD
from tests.e2e.test_pages import page_login, post_form


async def _log_in(client: AsyncTestClient[Any], username: str = "M0001") -> dict[str, Any]:
    response = await client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _me(client: AsyncTestClient[Any], tokens: dict[str, Any]) -> int:
    return (await client.get("/api/me", headers=_bearer(tokens))).status_code


async def test_access_tokens_are_short_and_come_with_a_refresh_token(client: AsyncTestClient[Any]) -> None:
    tokens = await _log_in(client)
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_expires_in"] == 30 * 24 * 3600
    assert tokens["refresh_token"]


async def test_logout_refuses_that_token_and_its_refresh_token_but_not_another_device(
    client: AsyncTestClient[Any],
) -> None:
    phone, browser = await _log_in(client), await _log_in(client)
    assert (await client.post("/api/auth/logout", headers=_bearer(phone))).status_code == 204
    assert await _me(client, phone) == 401
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "refresh_refused"
    assert await _me(client, browser) == 200  # the other device stays signed in


async def test_a_refresh_token_works_once_and_its_reuse_ends_the_session(
    client: AsyncTestClient[Any],
) -> None:
    first = await _log_in(client)
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert await _me(client, second) == 200
    # The spent token comes back (copied by someone): refused, and the session ends for everyone.
    replay = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert await _me(client, second) == 401
    again = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


async def test_a_garbage_refresh_token_is_a_401_problem_never_a_500(client: AsyncTestClient[Any]) -> None:
    for token in ("x", "nope.nope", "a" * 40 + ".b"):
        response = await client.post("/api/auth/refresh", json={"refresh_token": token})
        assert response.status_code == 401, token
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_token_minted_without_the_accounts_version_is_refused(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    exp = datetime.now(UTC) + timedelta(minutes=5)
    extras = {"username": "M0001", "role": "staff", "category": None, "centres": []}
    unversioned = Token(sub="1", exp=exp, extras=extras).encode(settings.jwt_secret, "HS256")
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {unversioned}"})
    assert response.status_code == 401


async def test_the_role_comes_from_the_account_not_from_the_token(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    """A token that says "staff" on a member's account gives a member's rights: the account decides."""
    member = await _log_in(client)
    real = Token.decode(member["access_token"], settings.jwt_secret, "HS256")
    claims = {**real.extras, "role": "staff"}
    staff_claim = Token(sub=real.sub, exp=real.exp, extras=claims).encode(settings.jwt_secret, "HS256")
    headers = {"Authorization": f"Bearer {staff_claim}"}
    assert (await client.get("/api/me", headers=headers)).json()["role"] == "member"
    assert (await client.get("/api/audit", headers=headers)).status_code == 403


async def test_the_pages_log_out_for_real_the_old_cookie_is_refused(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "manager-ifrane")
    old_cookie = client.cookies.get("estivage_session")
    assert old_cookie
    assert client.cookies.get("estivage_refresh")
    bearer = {"Authorization": "Bearer " + old_cookie.strip('"').removeprefix("Bearer ")}
    assert (await client.get("/api/me", headers=bearer)).status_code == 200
    assert (await post_form(client, "/manage", "/logout", {})).status_code == 303
    assert "estivage_session" not in client.cookies
    assert (await client.get("/api/me", headers=bearer)).status_code == 401


async def test_the_pages_renew_an_expired_session_with_the_refresh_cookie(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "M0001")
    refresh = client.cookies.get("estivage_refresh")
    client.cookies.delete("estivage_session")  # the access cookie's minutes are over
    gone = await client.get("/bookings", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/session/refresh?next=%2Fbookings"
    renewed = await client.get(gone.headers["location"], follow_redirects=False)
    assert renewed.status_code == 303
    assert renewed.headers["location"] == "/bookings"
    assert client.cookies.get("estivage_refresh") != refresh  # rotated
    assert (await client.get("/bookings")).status_code == 200


async def test_the_pages_send_a_spent_refresh_cookie_to_the_login_page(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0001")
    spent = client.cookies.get("estivage_refresh")
    client.cookies.delete("estivage_session")
    await client.get("/session/refresh?next=/bookings", follow_redirects=False)
    client.cookies.delete("estivage_session")
    client.cookies.set("estivage_refresh", spent or "")
    refused = await client.get("/session/refresh?next=/bookings", follow_redirects=False)
    assert refused.headers["location"] == "/login?next=%2Fbookings"
