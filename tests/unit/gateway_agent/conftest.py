"""The gate enrolled against a server stub on loopback, for the tests of sync (a test that needs a gate
of its own defines ``state`` again)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.gateway_agent.stub_server import StubServer, stub_server
from tests.unit.gateway_agent.support import PUBLIC_KEY, enrolled_store


@pytest.fixture
def server() -> Iterator[StubServer]:
    """A well-behaved server; each test changes the routes it is about."""
    with stub_server(PUBLIC_KEY) as stub:
        yield stub


@pytest.fixture
def state(tmp_path: Path, server: StubServer) -> Path:
    """A gate enrolled at Ifrane against ``server``."""
    enrolled_store(tmp_path / "state", server.url).close()
    return tmp_path / "state"
