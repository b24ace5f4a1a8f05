"""The gates' endpoints fuzzed as a gate: schemathesis with a device token (the main sweep calls them as
a member and as staff, who get a 401 before any body is read). Never a 5xx; answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import Clock
from tests.integration.test_schemathesis import _fuzz, _token
from tests.support.live import live_server


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def base_url(settings: Settings, clock: Clock) -> Iterator[str]:
    with live_server(create_app(settings, clock=clock)) as url:
        yield url


@pytest.fixture
def device(base_url: str) -> dict[str, str]:
    session = requests.Session()
    staff = _token(session, base_url, "staff")
    created = session.post(
        f"{base_url}/api/access/devices", json={"centre": "ifrane", "name": "fuzz"}, headers=staff
    )
    created.raise_for_status()
    return {"Authorization": f"Bearer {created.json()['token']}"}


def test_the_gates_endpoints_never_answer_a_5xx_to_a_gate(base_url: str, device: dict[str, str]) -> None:
    session = requests.Session()
    schema = schemathesis.openapi.from_dict(session.get(f"{base_url}/schema/openapi.json").json())
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/access/")
        and "devices" not in result.ok().path
        and "passes" not in result.ok().path
    ]
    assert {op.path for op in operations} >= {
        "/api/access/scans",
        "/api/access/scan-feed",
        "/api/access/roster",
    }
    report = []
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            report += [
                f"{operation.label} ({mode.value}): {failure}"
                for failure in _fuzz(operation, mode, base_url, device, session)
            ]
    assert not report, f"{len(report)} failures:\n" + "\n".join(report)
