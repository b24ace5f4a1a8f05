"""The web pages: login by cookie, both languages, access control, forms with problems next to fields."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import PASSWORD, STAY


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


async def page_login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> str:
    """Log in through the login form; the client keeps the session and CSRF cookies."""
    form = await client.get("/login")
    assert form.status_code == 200
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def test_anonymous_page_redirects_to_login_and_login_sets_cookie(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/bookings", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fbookings"
    assert await page_login(client, "M0001") == "/search"
    assert "estivage_session" in client.cookies
    page = await client.get("/bookings")
    assert page.status_code == 200
    # M0001 prefers Arabic: the member's own language is restored at login, right to left.
    assert '<html lang="ar" dir="rtl">' in page.text and "حجوزاتي" in page.text
