"""With a Stripe key configured, paying by card from the pages shows a Stripe.js card form (not the
test-mode page), bound to the booking's PaymentIntent. Stripe itself is localstripe on loopback; the
form's script is not run here (Stripe.js comes from js.stripe.com, never fetched by the tests)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import STAY, Clock
from tests.e2e.test_pages import page_login, post_form
from tests.support.localstripe import localstripe_server


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def stripe_base() -> Iterator[str]:
    with localstripe_server() as base:
        yield base


def with_stripe(settings: Settings, stripe_base: str, publishable_key: str | None) -> Settings:
    return dataclasses.replace(
        settings,
        stripe_api_key="sk_test_estivage",
        stripe_publishable_key=publishable_key,
        stripe_api_base=stripe_base,
        stripe_webhook_secret="whsec_x",
    )


@pytest.fixture
async def client(
    settings: Settings, clock: Clock, stripe_base: str
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(with_stripe(settings, stripe_base, "pk_test_estivage"), clock=clock)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def test_card_payment_page_uses_stripe_js_with_the_intents_secret(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0002")
    held = await post_form(client, "/search", "/search/hold", {**{k: str(v) for k, v in STAY.items()}})
    booking_url = held.headers["location"]
    page = await post_form(client, booking_url, booking_url + "/pay", {"method": "card"})
    assert page.status_code == 200
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.text
    assert 'data-key="pk_test_estivage"' in page.text
    booking = await client.get("/api/bookings/" + booking_url.rsplit("/", 1)[1])
    assert booking.json()["status"] == "held"  # confirmed only by Stripe's webhook, never by the page
    assert 'data-secret="pi_' in page.text
    assert "_secret_" in page.text


@pytest.fixture
async def client_without_publishable_key(
    settings: Settings, clock: Clock, stripe_base: str
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """STRIPE_API_KEY set, STRIPE_PUBLISHABLE_KEY forgotten: Stripe.js could not start on the page."""
    async with AsyncTestClient(
        app=create_app(with_stripe(settings, stripe_base, None), clock=clock)
    ) as test_client:
        yield test_client


async def test_without_a_publishable_key_the_member_is_told_and_the_operator_warned(
    client_without_publishable_key: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = client_without_publishable_key
    await page_login(client, "M0002")
    held = await post_form(client, "/search", "/search/hold", {**{k: str(v) for k, v in STAY.items()}})
    booking_url = held.headers["location"]
    with caplog.at_level(logging.WARNING, logger="estivage.web"):
        page = await post_form(client, booking_url, booking_url + "/pay", {"method": "card"})
    assert page.status_code == 503
    assert 'data-key=""' not in page.text
    assert "js.stripe.com" not in page.text
    assert (
        '<p class="problem" role="alert" id="e-pay">Le paiement par carte est momentanément indisponible.'
        in page.text
    )
    assert 'id="pay-card"' in page.text  # still the booking page, payroll deduction still offered
    assert any("STRIPE_PUBLISHABLE_KEY" in record.getMessage() for record in caplog.records)
    booking = await client.get("/api/bookings/" + booking_url.rsplit("/", 1)[1])
    assert booking.json()["status"] == "held"
