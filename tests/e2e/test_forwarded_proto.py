"""Behind the proxy the app sees the scheme the proxy saw, believed only from FORWARDED_ALLOW_IPS, and
over https every cookie is Secure (issue 15, item 11)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from litestar import Litestar
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import Clock


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _cookies_from(app: Litestar, trusted: str, client_address: str) -> list[str]:
    """`estivage serve`'s proxy handling (uvicorn's, with the setting) in front of the app."""
    served = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=served, client=(client_address, 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://estivage.test") as client:
        response = await client.get("/login?lang=fr", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    return response.headers.get_list("set-cookie")


async def test_cookies_are_secure_over_https_said_by_a_trusted_proxy_only(
    settings: Settings, clock: Clock
) -> None:
    app = create_app(settings, clock=clock)
    from_proxy = await _cookies_from(app, settings.forwarded_allow_ips, "127.0.0.1")
    assert from_proxy
    assert all("Secure" in cookie for cookie in from_proxy), from_proxy
    from_anyone = await _cookies_from(app, settings.forwarded_allow_ips, "203.0.113.9")
    assert from_anyone
    assert not any("Secure" in cookie for cookie in from_anyone), from_anyone


async def test_an_https_public_address_makes_every_cookie_secure(settings: Settings, clock: Clock) -> None:
    app = create_app(dataclasses.replace(settings, public_url="https://estivage.example"), clock=clock)
    cookies = await _cookies_from(app, "10.255.255.1", "203.0.113.9")
    assert cookies
    assert all("Secure" in cookie for cookie in cookies), cookies
