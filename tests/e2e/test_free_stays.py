"""A stay priced at zero (a 100% or a large fixed promotion) is confirmed without a payment, whatever the
method, with a receipt of nothing: a payment of 0 MAD from the provider ``free`` (issue 15, item 3)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment, PaymentRefund
from tests.conftest import assert_ledger_balanced, hold, login, pause_demo_promotions
from tests.e2e.test_pages import csrf_of, page_login

FREE = {"name": "Offert", "kind": "percentage", "percent_bp": 10_000, "code": "OFFERT"}
LARGE_FIXED = {
    "name": "Bon",
    "kind": "fixed",
    "amount": {"amount_minor": 500_000, "currency": "MAD"},
    "code": "BON",
}


@pytest.fixture(autouse=True)
async def _only_this_tests_promotions(settings: Settings, client: AsyncTestClient[Any]) -> None:
    await pause_demo_promotions(settings)
    staff = await login(client, "staff")
    for promotion in (FREE, LARGE_FIXED):
        assert (await client.post("/api/promotions", headers=staff, json=promotion)).status_code == 201


async def _receipts(settings: Settings) -> list[tuple[str, int, str]]:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = [(p.provider, p.amount_minor, p.status) for p in await session.scalars(select(Payment))]
    await engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("OFFERT", {"method": "card"}),
        ("BON", {"method": "payroll", "instalments": 3}),
        ("OFFERT", {"method": "free"}),
    ],
)
async def test_a_stay_priced_at_zero_is_confirmed_whatever_the_method_with_a_zero_receipt(
    client: AsyncTestClient[Any], settings: Settings, code: str, body: dict[str, Any]
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member, promo_code=code)).json()
    assert booking["price"]["total"] == {"amount_minor": 0, "currency": "MAD"}
    paid = await client.post(f"/api/bookings/{booking['id']}/checkout", json=body, headers=member)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["provider"], paid.json()["status"]) == ("free", "confirmed")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).status_code == 200
    assert await _receipts(settings) == [("free", 0, "succeeded")]
    await assert_ledger_balanced(settings)


async def test_cancelling_a_free_stay_refunds_nothing_and_the_books_still_balance(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member, promo_code="OFFERT")).json()
    await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "free"}, headers=member)
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    assert cancelled.json()["refund"] == {"amount_minor": 0, "currency": "MAD"}
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        refunds = [(r.amount_minor, r.state) for r in await session.scalars(select(PaymentRefund))]
    await engine.dispose()
    assert refunds == [(0, "made")]
    await assert_ledger_balanced(settings)


async def test_the_free_method_on_a_stay_that_costs_is_refused(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    refused = await client.post(
        f"/api/bookings/{booking['id']}/checkout", json={"method": "free"}, headers=member
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "payment_required")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()["status"] == "held"


async def test_the_booking_page_offers_to_confirm_a_free_stay_and_confirms_it(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member, promo_code="OFFERT")).json()
    await page_login(client, "M0001")
    page = await client.get(f"/bookings/{booking['id']}")
    assert 'id="confirm-free"' in page.text
    assert 'id="pay-card"' not in page.text
    confirmed = await client.post(
        f"/bookings/{booking['id']}/pay",
        data={"method": "free", "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"
    await assert_ledger_balanced(settings)
