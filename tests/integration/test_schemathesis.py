"""Bad input at scale: schemathesis generates requests from /schema/openapi.json, valid ones and broken
ones, for every operation, as a member and as staff, against the app served by uvicorn on loopback over
PostgreSQL. Whatever it sends: never a 5xx, and every answer matches the schema the document declares.

Bounded so that CI stays fast: a fixed number of examples per operation, no shrinking, derandomised
(the same examples on every run; a failure names the operation, the caller and a curl command).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kernel.settings import Settings
from tests.conftest import PASSWORD, Clock, login
from tests.support.live import fuzzed_app, live_server

# CI's budget; ESTIVAGE_FUZZ_SCALE=N multiplies it for a wider local sweep (docs/security.md).
_SCALE = max(1, int(os.environ.get("ESTIVAGE_FUZZ_SCALE", "1")))
EXAMPLES = {GenerationMode.POSITIVE: 8 * _SCALE, GenerationMode.NEGATIVE: 5 * _SCALE}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
CALLERS = {"member": "M0001", "staff": "staff"}
# Requests sent, by operation: the figure for docs/security.md (printed with -s).
SENT: Counter[str] = Counter()


@pytest.fixture
def backend() -> str:
    """PostgreSQL: where out-of-range integers and odd text meet real column types."""
    return "postgres"


@pytest.fixture
def base_url(settings: Settings, clock: Clock) -> Iterator[str]:
    with live_server(fuzzed_app(settings, clock)) as url:
        yield url


def _token(session: requests.Session, base_url: str, username: str) -> dict[str, str]:
    response = session.post(f"{base_url}/api/auth/token", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _fuzz(
    operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str], session: Any
) -> list[str]:
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=10)
        SENT[operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as found:  # collect them all, report every defect at once
            for failure in getattr(found, "exceptions", [found]):
                title = getattr(failure, "title", type(failure).__name__)
                failures.append(
                    f"{response.status_code} {title}\n    {case.as_curl_command(headers=headers)}"
                )

    try:
        run()
    except Unsatisfiable:
        # An operation that takes nothing and asks for no token (GET /health, security: []) has no
        # invalid request to send; a valid one must always be possible.
        if mode is not GenerationMode.NEGATIVE:
            raise
    return failures


# One test per caller, each on its own database: the suite's longest test, split so that two test
# workers can share it.
@pytest.mark.parametrize("caller", CALLERS)
def test_no_5xx_and_every_answer_matches_its_schema(base_url: str, caller: str) -> None:
    session = requests.Session()
    document = session.get(f"{base_url}/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not an empty document
    report = []
    headers = _token(session, base_url, CALLERS[caller])
    for operation in operations:
        for mode in EXAMPLES:
            for failure in _fuzz(operation, mode, base_url, headers, session):
                report.append(f"{operation.label} as {caller} ({mode.value}): {failure}")
    print(f"\nstateless so far: {sum(SENT.values())} requests over {len(SENT)} operations")
    assert not report, f"{len(report)} failures:\n" + "\n".join(report)


async def test_values_the_database_refuses_are_bad_input_not_server_errors(client: Any) -> None:
    """What schemathesis found first: an id beyond PostgreSQL's integer, a NUL byte in a username."""
    staff = await login(client, "staff")
    too_big = await client.get("/api/promotions/81945035711426", headers=staff)
    assert (too_big.status_code, too_big.json()["code"]) == (422, "invalid_input")
    assert too_big.headers["content-type"] == "application/problem+json"
    nul = await client.post("/api/auth/token", json={"username": "\x00^", "password": "x"})
    assert nul.status_code in {401, 422}
    # The database is fine afterwards: the failed statement's transaction was rolled back.
    assert (await client.get("/api/promotions", headers=staff)).status_code == 200


async def test_the_document_declares_errors_as_problem_details(client: Any) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    hold = document["paths"]["/api/bookings"]["post"]["responses"]["400"]["content"]
    assert list(hold) == ["application/problem+json"]
    assert hold["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
