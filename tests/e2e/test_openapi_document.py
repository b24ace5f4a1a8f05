"""The OpenAPI document describes itself: every schema and operation says what it is, and every operation
lists the errors it can answer, each as an RFC 9457 problem (estivage/openapi.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.test_access_control import ACCESS

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the document is the same

METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
NOT_DOMAIN_WRITES = ("/api/auth/", "/api/payments/stripe/", "/api/payments/cmi/")
GATE_UPLOADS = {"/api/access/scans", "/api/access/device/report"}


async def _document(app: Litestar) -> dict[str, Any]:
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


async def test_every_schema_and_every_operation_has_a_description(app: Litestar) -> None:
    document = await _document(app)
    schemas = document["components"]["schemas"]
    assert len(schemas) >= 67
    undescribed = sorted(name for name, schema in schemas.items() if not schema.get("description"))
    assert not undescribed, f"schemas without a description (a docstring on the struct): {undescribed}"
    operations = _operations(document)
    assert len(operations) >= 90
    bare = sorted(f"{m} {p}" for (m, p), op in operations.items() if not op.get("description"))
    assert not bare, f"operations without a description (a docstring on the handler): {bare}"


async def test_every_error_an_operation_can_answer_is_a_documented_problem(app: Litestar) -> None:
    document = await _document(app)
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for (method, path), operation in _operations(document).items():
        responses = operation["responses"]
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["description"], (method, path, status)
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, path
        errors = {int(status) for status in responses if status.startswith("4")}
        if "{" in path:
            assert 404 in errors, f"{method} {path} names an object: 404"
        # Sessions and codes, the providers' notifications and the gates' idempotent uploads aside.
        if method != "GET" and path not in GATE_UPLOADS and not path.startswith(NOT_DOMAIN_WRITES):
            assert {400, 409, 422} <= errors, f"{method} {path} writes: 400, 409, 422"


async def test_the_document_says_who_is_refused_as_the_access_sweep_finds_it(app: Litestar) -> None:
    """Each 401, 403 and 404 that tests/e2e/test_access_control.py expects from a caller is in the
    operation's responses; an operation open to anyone does not say 401."""
    operations = _operations(await _document(app))
    missing = []
    for key, route in ACCESS.items():
        method, template = key.split(" ", 1)
        operation = operations.get((method, re.sub(r":\w+\}", "}", template)))
        if operation is None:  # pages and static files are not in the document
            continue
        expected = {outcome for outcome in route.access.values() if outcome in {"401", "403", "404"}}
        missing += [f"{key}: {status}" for status in sorted(expected - operation["responses"].keys())]
        if not expected and key not in {"POST /api/auth/token"}:
            assert "401" not in operation["responses"], f"{key} is open to anyone: no 401"
    assert not missing, "errors the access sweep sees that the document does not list:\n" + "\n".join(missing)


async def test_rate_limited_operations_say_429_and_the_others_do_not(app: Litestar) -> None:
    operations = _operations(await _document(app))
    limited = {key for key, operation in operations.items() if "429" in operation["responses"]}
    assert limited == {
        ("POST", "/api/auth/token"),
        ("POST", "/api/auth/activate/start"),
        ("POST", "/api/auth/password-reset/start"),
        ("POST", "/api/me/email"),
        ("POST", "/api/bookings/{booking_id}/pass/reissue"),
    }


async def test_the_contracts_errors_are_in_the_document(app: Litestar) -> None:
    operations = _operations(await _document(app))

    def errors(method: str, path: str) -> set[int]:
        return {int(status) for status in operations[(method, path)]["responses"] if status[0] in "45"}

    assert errors("POST", "/api/bookings") == {400, 401, 403, 409, 422}
    assert errors("GET", "/api/bookings/{booking_id}") == {400, 401, 403, 404}
    assert errors("POST", "/api/auth/token") == {400, 401, 429}
    # A gate calls with its own device token: 401 without one, and no user role to refuse.
    assert errors("POST", "/api/access/scans") == {400, 401}
    assert errors("GET", "/api/centres") == set()  # open to anyone, no parameter
    assert errors("GET", "/health") == set()


async def test_operations_open_to_anyone_ask_for_no_token(app: Litestar) -> None:
    document = await _document(app)
    operations = _operations(document)
    assert document["security"]  # a token by default (the JWT scheme)
    for key in [("GET", "/health"), ("GET", "/api/centres"), ("POST", "/api/auth/token")]:
        assert operations[key]["security"] == [], key
    for key in [("GET", "/api/me"), ("GET", "/api/access/keys"), ("POST", "/api/bookings")]:
        assert "security" not in operations[key], key
