"""Bad input that used to reach a 500 (issue 15, items 12-14): each is a clear 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import login


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000])
async def test_json_nested_a_thousand_deep_is_a_400_problem_anonymous_or_not(
    client: AsyncTestClient[Any], body: str
) -> None:
    json_type = {"content-type": "application/json"}
    member = await login(client, "M0001")
    for path, headers in (("/api/auth/token", json_type), ("/api/bookings", {**json_type, **member})):
        response = await client.post(path, content=body, headers=headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"] == "the body is nested too deeply"


async def test_a_nul_byte_in_a_static_path_is_a_404(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/static/app.css%00.js")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/api/bookings/%00")).status_code == 404


async def test_a_huge_form_is_refused_before_it_is_parsed(client: AsyncTestClient[Any]) -> None:
    many_fields = "&".join(f"f{i}=x" for i in range(900_000)).encode()  # about 9 MB
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert (await client.post("/login", content=many_fields, headers=form)).status_code == 413
    few_bytes_many_fields = b"&" * 5000
    refused = await client.post("/login", content=few_bytes_many_fields, headers=form)
    assert refused.status_code == 400
    assert refused.json()["detail"] == "the form has too many fields"
    # An ordinary login form still goes through (a wrong password: the page, 401).
    page = await client.get("/login")
    assert page.status_code == 200
