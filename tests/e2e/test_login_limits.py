"""Login limits that fit an office (issue 16.5): failures only, per account and per address separately,
said in the page's language."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import PASSWORD, Clock
from tests.e2e.test_pages import csrf_of


@pytest.fixture
async def office(settings: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """One address for everyone, small limits: 3 failures an account, 5 an address."""
    small = dataclasses.replace(settings, login_failures_per_account=3, login_failures_per_address=5)
    async with AsyncTestClient(app=create_app(small, clock=clock)) as client:
        yield client


async def _token(client: AsyncTestClient[Any], username: str, password: str) -> int:
    response = await client.post("/api/auth/token", json={"username": username, "password": password})
    return response.status_code


async def test_successful_logins_are_never_counted(office: AsyncTestClient[Any]) -> None:
    statuses = [await _token(office, f"M00{n:02d}", PASSWORD) for n in range(10, 30)]
    assert statuses == [200] * 20


async def test_an_account_stops_after_its_failures_whatever_the_address(office: AsyncTestClient[Any]) -> None:
    statuses = [await _token(office, "M0001", "guess") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert await _token(office, "M0001", PASSWORD) == 429  # even the right password, until the window ends
    assert await _token(office, "M0002", PASSWORD) == 200  # a colleague at the same address is not held


async def test_an_address_stops_after_its_failures_over_many_accounts(office: AsyncTestClient[Any]) -> None:
    statuses = [await _token(office, f"M00{n:02d}", "guess") for n in range(40, 46)]
    assert statuses == [401] * 5 + [429]
    limited = await office.post("/api/auth/token", json={"username": "M0050", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert limited.json()["params"]["scope"] == "address"


async def test_the_login_page_says_it_in_the_pages_language(office: AsyncTestClient[Any]) -> None:
    office.cookies.set("estivage_lang", "ar")
    for expected in (401, 401, 401, 429):
        form = await office.get("/login")
        response = await office.post(
            "/login",
            data={"username": "M0003", "password": "guess", "_csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert response.status_code == expected
    assert "Too many" not in response.text
    assert "محاولات دخول فاشلة كثيرة" in response.text
