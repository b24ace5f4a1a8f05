"""Operators' view: health, readiness, the OpenAPI document, and housekeeping."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from estivage.db import create_disposable_engine, session_factory
from estivage.worker import run_once
from inventory.models import StayNight, Unit
from tests.conftest import NOW


async def test_health_and_readiness_answer_without_a_token(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "store": "ok"}


async def test_the_openapi_document_describes_the_contract_endpoints(client: AsyncTestClient[Any]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path in ("/api/auth/token", "/api/me", "/api/centres", "/api/availability"):
        assert path in paths
    availability = paths["/api/availability"]["get"]
    assert {p["name"] for p in availability["parameters"]} >= {"centre", "arrival", "departure", "guests"}
    assert "200" in availability["responses"]


async def test_the_worker_deletes_expired_hold_nights_and_keeps_live_ones(database_url: str) -> None:
    engine = create_disposable_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        unit = (await session.scalars(select(Unit).limit(1))).one()
        for expires in (NOW - timedelta(minutes=1), NOW + timedelta(days=400), None):
            session.add(
                StayNight(
                    unit_id=unit.id,
                    unit_type_id=unit.unit_type_id,
                    night=(NOW + timedelta(days=30)).date() + timedelta(days=len(session.new)),
                    booking_id=uuid.uuid4(),
                    category="active",
                    guests=1,
                    hold_expires_at=expires,
                )
            )
        await session.commit()
    done = await run_once(sessions)
    assert done == {"expired hold nights deleted": 1}
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StayNight)) == 2
    await engine.dispose()
