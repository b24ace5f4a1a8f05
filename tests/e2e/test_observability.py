"""Operators' view of a running service: request ids in logs and responses, Prometheus metrics."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from booking.models import Booking
from estivage.app import create_app
from estivage.worker import run_once
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import NOW, Clock, hold, login

Metrics = dict[str, float]
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


async def scrape(client: AsyncTestClient[Any], headers: dict[str, str] | None = None) -> Metrics:
    response = await client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for line in response.text.splitlines():
        if (match := _SAMPLE.match(line)) is not None:
            samples[match.group(1)] = float(match.group(2))
    return samples


def delta(before: Metrics, after: Metrics, name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


async def test_a_request_id_is_taken_from_the_caller_or_made_and_returned(
    client: AsyncTestClient[Any],
) -> None:
    given = await client.get("/api/centres", headers={"X-Request-ID": "edge-1234.abc"})
    assert given.headers["x-request-id"] == "edge-1234.abc"
    first, second = await client.get("/health"), await client.get("/api/centres")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    # A header that could forge log lines is replaced, not echoed.
    forged = await client.get("/health", headers={"X-Request-ID": 'x" injected=1 ' + "y" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])
    # Unrouted paths and errors carry it too.
    missing = await client.get("/api/nowhere", headers={"X-Request-ID": "lost-1"})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "lost-1"


@pytest.fixture
async def json_logging_client(settings: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(dataclasses.replace(settings, log_format="json"), clock=clock)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def test_every_log_line_of_a_request_carries_its_id_as_json(
    json_logging_client: AsyncTestClient[Any],
) -> None:
    client = json_logging_client
    member = await login(client, "M0001")
    # The service's own handler on the root logger, read where it writes (stderr in production).
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "estivage")
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    request_id = f"test-{uuid.uuid4().hex}"
    try:
        response = await hold(client, {**member, "X-Request-ID": request_id})
        logging.getLogger("estivage").warning("a line from the standard library")
        # Outside any request: no request id.
        await client.get("/health")
    finally:
        handler.setStream(previous)
    assert response.status_code == 201
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    ours = [line for line in lines if line.get("request_id") == request_id]
    access = [line for line in ours if line["event"] == "request"]
    assert len(access) == 1, lines
    assert access[0]["status"] == 201
    assert access[0]["method"] == "POST"
    assert access[0]["route"] == "/api/bookings"
    assert access[0]["duration_ms"] > 0
    assert access[0]["level"] == "info"
    assert "timestamp" in access[0]
    stdlib = [line for line in lines if line["event"] == "a line from the standard library"]
    assert stdlib[0]["level"] == "warning"
    assert "request_id" not in stdlib[0]


async def test_latencies_are_labelled_by_route_template_not_by_raw_path(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).status_code == 200
    text = (await client.get("/metrics")).text
    durations = [
        line for line in text.splitlines() if line.startswith("estivage_http_request_duration_seconds")
    ]
    assert any('path="/api/bookings/{booking_id}"' in line for line in durations), durations[:5]
    assert not any(booking["id"] in line for line in durations)


def _series(samples: Metrics, name: str, **labels: str) -> float:
    """The sum of the samples of `name` that carry these labels (0 when none yet)."""
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(
        value
        for key, value in samples.items()
        if key.split("{")[0] == name and all(label in key for label in wanted)
    )


async def test_requests_are_counted_and_timed_by_route_and_status(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    before = await scrape(client)
    assert (await hold(client, member)).status_code == 201
    assert (await hold(client, member)).status_code == 422  # the member's one open hold
    assert (await hold(client, member)).status_code == 422
    after = await scrape(client)
    route = {"method": "POST", "path": "/api/bookings"}

    def grew(name: str, **labels: str) -> float:
        return _series(after, name, **route, **labels) - _series(before, name, **route, **labels)

    assert grew("estivage_http_requests_total", status_code="201") == 1
    assert grew("estivage_http_requests_total", status_code="422") == 2
    assert grew("estivage_http_request_duration_seconds_count", status_code="422") == 2
    assert grew("estivage_http_request_duration_seconds_sum", status_code="422") > 0
    assert grew("estivage_http_requests_error_total") == 0
    assert _series(after, "estivage_http_requests_in_progress", **route) == 0
    # As upstream: a series for the statuses answered only, an error series for a 5xx only.
    made = [key for key in after if 'method="POST"' in key and 'path="/api/bookings"' in key]
    assert not [key for key in made if 'status_code="200"' in key and "in_progress" not in key], made
    assert not [key for key in made if key.startswith("estivage_http_requests_error_total")], made


async def test_business_events_are_counted_once_committed(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    before = await scrape(client)
    booking = (await hold(client, member)).json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member
    )
    confirm_url = checkout.json()["redirect_url"].split("?")[0] + "/confirm"
    assert (await client.post(confirm_url, headers=member, follow_redirects=False)).status_code == 303
    await client.post(confirm_url, headers=member, follow_redirects=False)  # a second one counts nothing
    price = booking["price"]["total"]["amount_minor"]
    issued = await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)
    pass_id = issued.json()["pass_id"]  # a pass of the gate's own centre: the server takes its scans
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    assert cancelled.status_code == 200, cancelled.text
    refund = cancelled.json()["refund"]["amount_minor"]
    refused = await hold(client, member, guests=40)  # refused: nothing is created, nothing counted
    assert refused.status_code == 422

    device = await client.post(
        "/api/access/devices", headers=staff, json={"centre": "ifrane", "name": "Nord"}
    )
    gate = {"Authorization": f"Bearer {device.json()['token']}"}
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "pass_id": pass_id,
            "direction": "in",
            "decision": decision,
            "reason": "ok" if decision == "granted" else "revoked",
            "scanned_at": NOW.isoformat(),
        }
        for decision in ("granted", "granted", "denied")
    ]
    assert (await client.post("/api/access/scans", headers=gate, json={"events": events})).status_code == 200
    await client.post("/api/access/scans", headers=gate, json={"events": events})  # duplicates: not counted

    # A hold that lapses is counted when the worker marks it expired.
    second = (
        await hold(client, await login(client, "M0002"), arrival="2027-01-10", departure="2027-01-13")
    ).json()
    engine = create_disposable_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == uuid.UUID(second["id"]))
            .values(hold_expires_at=NOW - timedelta(seconds=1))
        )
        await session.commit()
    handlers = client.app.state.event_handlers  # the app's: the worker subscribes the same counters
    assert (await run_once(sessions, NOW, handlers))["lapsed holds marked expired"] == 1
    await engine.dispose()

    after = await scrape(client)
    assert delta(before, after, "estivage_holds_created_total") == 2
    assert delta(before, after, 'estivage_bookings_total{status="confirmed"}') == 1
    assert delta(before, after, 'estivage_bookings_total{status="cancelled"}') == 1
    assert delta(before, after, 'estivage_bookings_total{status="expired"}') == 1
    assert delta(before, after, 'estivage_payments_succeeded_total{provider="test"}') == 1
    paid = 'estivage_payments_succeeded_amount_minor_total{currency="MAD",provider="test"}'
    assert delta(before, after, paid) == price
    assert delta(before, after, 'estivage_payment_refunds_total{reason="cancellation"}') == 1
    assert delta(before, after, 'estivage_payment_refunded_amount_minor_total{currency="MAD"}') == refund
    assert refund > 0
    assert delta(before, after, 'estivage_gate_scans_total{decision="granted",direction="in"}') == 2
    assert delta(before, after, 'estivage_gate_scans_total{decision="denied",direction="in"}') == 1


@pytest.fixture
async def guarded_client(settings: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(dataclasses.replace(settings, metrics_token="scrape-secret"), clock=clock)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def test_metrics_need_the_scrapers_token_when_one_is_set(guarded_client: AsyncTestClient[Any]) -> None:
    client = guarded_client
    assert (await client.get("/metrics")).status_code == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    # A user's token, even staff's, is not the scraper's.
    assert (await client.get("/metrics", headers=await login(client, "staff"))).status_code == 401
    samples = await scrape(client, {"Authorization": "Bearer scrape-secret"})
    assert "estivage_holds_created_total" in samples
    document = (await client.get("/schema/openapi.json")).json()
    assert "/metrics" not in document["paths"]
