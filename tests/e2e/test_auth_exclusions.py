"""Only the public addresses themselves skip authentication (issue 15, item 10): an address that merely
contains `/health`, `/schema` or `/api/auth/token` needs a caller like any other."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import login


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize(
    "path",
    [
        "/api/centres/health/occupancy?from=2026-12-20&to=2026-12-23",
        "/api/centres/schema/occupancy?from=2026-12-20&to=2026-12-23",
        "/api/centres/health-x/occupancy?from=2026-12-20&to=2026-12-23",
        "/api/centres/ifrane/occupancy?from=2026-12-20&to=2026-12-23&x=/schema",
        "/manage/health",
        "/manage/schema",
    ],
)
async def test_an_address_that_only_contains_a_public_one_needs_a_caller(
    client: AsyncTestClient[Any], path: str
) -> None:
    response = await client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401, response.text
    else:  # a page sends the anonymous to the login form
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/login")


async def test_the_public_addresses_stay_public(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/schema/openapi.json")).status_code == 200
    assert (await client.get("/static/app.css")).status_code == 200
    assert (await client.get("/login")).status_code == 200
    assert (await client.get("/api/centres")).status_code == 200
    assert (await client.get("/api/access/keys")).status_code == 401  # a gate's own token, not a session
    staff = await login(client, "staff")
    ok = await client.get("/api/centres/ifrane/occupancy?from=2026-12-20&to=2026-12-23", headers=staff)
    assert ok.status_code == 200
