"""Paying with the built-in test-mode provider (the embedded default) and by holiday credit."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import Clock, assert_ledger_balanced, hold, login


async def _checkout(
    client: AsyncTestClient[Any], headers: dict[str, str], booking_id: str, **body: Any
) -> Any:
    return await client.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "card", **body}, headers=headers
    )


async def test_a_card_payment_in_test_mode_confirms_the_booking(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    checkout = await _checkout(client, member, booking["id"])
    assert checkout.status_code == 200, checkout.text
    body = checkout.json()
    assert body["provider"] == "test"
    assert body["status"] == "pending"
    assert body["client_secret"]
    again = await _checkout(client, member, booking["id"])
    assert again.json()["payment_id"] == body["payment_id"]  # one intent per booking, however often asked
    page = await client.get(body["redirect_url"], headers=member)
    assert page.status_code == 200
    assert "MODE TEST" in page.text
    assert "850,00\u00a0MAD" in page.text
    confirm = body["redirect_url"].split("?")[0] + "/confirm"
    confirmed = await client.post(confirm, headers=member, follow_redirects=False)
    assert confirmed.status_code == 303
    read = (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()
    assert read["status"] == "confirmed"
    assert read["hold_expires_at"] is None
    # Confirming twice changes nothing.
    await client.post(confirm, headers=member, follow_redirects=False)
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json() == read
    after_paid = await _checkout(client, member, booking["id"])
    assert after_paid.status_code == 409


async def test_money_arriving_after_the_hold_was_lost_is_refunded_at_once(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    first = await login(client, "M0001")
    stay = {"unit_type": "bungalow", "guests": 4}
    booking = (await hold(client, first, **stay)).json()
    redirect = (await _checkout(client, first, booking["id"])).json()["redirect_url"].split("?")[0]
    clock.advance(minutes=16)
    for username in ("M0002", "M0003", "M0004"):
        assert (await hold(client, await login(client, username), **stay)).status_code == 201
    await client.post(redirect + "/confirm", headers=first, follow_redirects=False)
    lost = (await client.get(f"/api/bookings/{booking['id']}", headers=first)).json()
    assert lost["status"] == "expired"
    assert "refunded in full" in lost["notice"]
    assert lost["notice_code"] == "hold_lost_refunded"
    assert "refunded" in (await client.get(redirect, headers=first)).text
    await assert_ledger_balanced(settings)


async def test_a_late_payment_retakes_the_hold_when_the_unit_is_still_free(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    redirect = (await _checkout(client, member, booking["id"])).json()["redirect_url"].split("?")[0]
    clock.advance(minutes=30)
    await client.post(redirect + "/confirm", headers=member, follow_redirects=False)
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"


async def test_holiday_credit_confirms_at_once_with_its_schedule(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    paid = await _checkout(client, member, booking["id"], method="payroll", instalments=3)
    assert paid.status_code == 200, paid.text
    schedule = paid.json()["instalments"]
    assert [i["month"] for i in schedule] == ["2026-12-01", "2027-01-01", "2027-02-01"]
    assert sum(i["amount"]["amount_minor"] for i in schedule) == booking["price"]["total"]["amount_minor"]
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"
    await assert_ledger_balanced(settings)


async def test_holiday_credit_is_for_active_members_with_no_open_credit(client: AsyncTestClient[Any]) -> None:
    retired = await login(client, "M0005")
    booking = (await hold(client, retired)).json()
    refused = await _checkout(client, retired, booking["id"], method="payroll", instalments=2)
    assert (refused.status_code, refused.json()["code"]) == (422, "credit_not_available")
    member = await login(client, "M0001")
    first = (await hold(client, member)).json()
    await _checkout(client, member, first["id"], method="payroll", instalments=2)
    second = (await hold(client, member, arrival="2027-01-10", departure="2027-01-13")).json()
    again = await _checkout(client, member, second["id"], method="payroll", instalments=2)
    assert (again.status_code, again.json()["code"]) == (422, "credit_already_open")


async def test_cancelling_a_card_paid_stay_refunds_once_and_a_credit_drops_its_instalments(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    redirect = (await _checkout(client, member, booking["id"])).json()["redirect_url"].split("?")[0]
    await client.post(redirect + "/confirm", headers=member, follow_redirects=False)
    cancelled = (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)).json()
    assert cancelled["refund"] == booking["price"]["total"]
    assert "refunded" in (await client.get(redirect, headers=member)).text
    await assert_ledger_balanced(settings)


async def test_only_the_owner_pays_and_bad_checkouts_are_refused(client: AsyncTestClient[Any]) -> None:
    member, other = await login(client, "M0001"), await login(client, "M0002")
    booking = (await hold(client, member)).json()
    assert (await _checkout(client, other, booking["id"])).status_code == 404
    assert (await _checkout(client, await login(client, "staff"), booking["id"])).status_code == 403
    assert (await _checkout(client, member, booking["id"], method="cash")).status_code == 400
    too_many = await _checkout(client, member, booking["id"], method="payroll", instalments=12)
    assert too_many.status_code == 422


async def test_staff_set_the_holiday_credit_terms(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    policy = (await client.get("/api/booking-policy", headers=staff)).json()
    assert policy["credit_max_instalments"] == 10
    changed = await client.put(
        "/api/booking-policy",
        headers=staff,
        json={
            **policy,
            "credit_max_instalments": 3,
            "credit_categories": ["active", "retired"],
        },
    )
    assert changed.status_code == 200
    retired = await login(client, "M0005")
    booking = (await hold(client, retired)).json()
    four = await _checkout(client, retired, booking["id"], method="payroll", instalments=4)
    assert (four.status_code, four.json()["code"]) == (422, "invalid_instalments")
    three = await _checkout(client, retired, booking["id"], method="payroll", instalments=3)
    assert three.status_code == 200
