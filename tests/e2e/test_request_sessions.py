"""Each request's database session gives its connection back, whether it wrote, read or never asked."""

from __future__ import annotations

import gc
import warnings
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar.testing import AsyncTestClient
from sqlalchemy.pool import QueuePool

from tests.conftest import hold, login


async def test_every_request_gives_its_connection_back(client: AsyncTestClient[Any]) -> None:
    (config,) = client.app.plugins.get(SQLAlchemyPlugin).config
    assert isinstance(config, SQLAlchemyAsyncConfig)
    engine = config.get_engine()
    gc.collect()  # what earlier tests left is not this test's
    member = await login(client, "M0001")
    assert (await hold(client, member)).status_code == 201  # wrote and committed
    assert (await hold(client, member)).status_code == 422  # read the member's hold, refused, no commit
    assert (await client.get("/api/bookings", headers=member)).status_code == 200  # read only
    assert (await client.get("/api/centres")).status_code == 200  # answered from memory
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gc.collect()
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.checkedout() == 0
    # A connection left checked out would be found by the garbage collector, not given back.
    assert not [w for w in seen if "non-checked-in" in str(w.message)]
