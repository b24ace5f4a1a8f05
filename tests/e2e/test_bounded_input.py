"""Input bounded before anything parses it (issue 15, the sweep for the class of item 15): headers and
JSON bodies, as forms already were. Behind the shipped nginx both are refused there too; these hold when
the API is reached directly (`estivage serve`, `estivage demo`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from estivage.security import BODY_MAX_BYTES, HEADERS_MAX_BYTES
from tests.conftest import login


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_megabyte_of_cookies_is_refused_before_the_cookie_parser_sees_it(
    client: AsyncTestClient[Any],
) -> None:
    """uvicorn (httptools) takes headers of any size; Litestar's cookie parser spent 1.6 s of the event
    loop on this one, for any caller, before authentication said 401."""
    cookies = "; ".join(f"c{i}=v" for i in range(100_000))  # about 1 MB
    refused = await client.get("/api/me", headers={"cookie": cookies})
    assert refused.status_code == 431
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "the request's headers are too large"
    # A real browser's headers pass: a session cookie and the usual dozen headers.
    member = await login(client, "M0001")
    ordinary = {**member, "cookie": "estivage_lang=fr; " + "x" * 4000, "user-agent": "Mozilla/5.0 " * 20}
    assert sum(len(k) + len(v) for k, v in ordinary.items()) < HEADERS_MAX_BYTES
    assert (await client.get("/api/me", headers=ordinary)).status_code == 200


async def test_a_json_body_over_a_megabyte_is_refused_before_it_is_decoded(
    client: AsyncTestClient[Any],
) -> None:
    """Litestar's default read 10 MB into memory and decoded them before a field's bound said 400."""
    body = json.dumps({"username": "M0001", "password": "x" * (2 * BODY_MAX_BYTES)})
    refused = await client.post("/api/auth/token", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("application/problem+json")
    # The largest body anyone sends: a gate's batch of 1,000 scans, well under the bound.
    event = {
        "event_id": "00000000-0000-4000-8000-000000000000",
        "pass_id": "00000000-0000-4000-8000-000000000001",
        "direction": "in",
        "decision": "granted",
        "reason": "ok",
        "scanned_at": "2026-12-21T10:00:00+01:00",
        "inside": 1,
        "booking_id": "00000000-0000-4000-8000-000000000002",
    }
    assert len(json.dumps({"events": [event] * 1000})) < BODY_MAX_BYTES / 2
