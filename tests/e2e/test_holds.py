"""A member holds a unit: inventory is reserved at once, for a few minutes, and every rule is the server's."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import Clock, available, hold, login


async def test_a_hold_reserves_one_unit_and_shows_its_price(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    before = await available(client, member)
    response = await hold(client, member)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "held"
    assert booking["hold_expires_at"] == "2026-11-23T09:15:00Z"
    assert booking["unit"].startswith("I")
    assert booking["price"]["nights"] == 4
    assert booking["price"]["subtotal"] == {"amount_minor": 100000, "currency": "MAD"}
    assert booking["price"]["promotion"]["name"] == "Hiver à Ifrane -15%"
    assert booking["price"]["total"] == {"amount_minor": 85000, "currency": "MAD"}
    assert await available(client, member) == before - 1


async def test_an_expired_hold_frees_its_unit_at_once_without_any_job(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    member, other = await login(client, "M0001"), await login(client, "M0002")
    before = await available(client, other)
    booking = (await hold(client, member)).json()
    assert await available(client, other) == before - 1
    clock.advance(minutes=15)
    assert await available(client, other) == before
    read = await client.get(f"/api/bookings/{booking['id']}", headers=member)
    assert read.json()["status"] == "expired"
    assert read.json()["hold_expires_at"] is None


async def test_a_member_holds_one_booking_at_a_time(client: AsyncTestClient[Any], clock: Clock) -> None:
    member = await login(client, "M0001")
    assert (await hold(client, member)).status_code == 201
    second = await hold(client, member, unit_type="apt2")
    assert second.status_code == 422
    assert second.json()["code"] == "open_hold_limit"
    clock.advance(minutes=16)
    assert (await hold(client, member, unit_type="apt2")).status_code == 201


async def test_yearly_off_season_nights_are_capped_by_the_policy(client: AsyncTestClient[Any]) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    policy = await client.put(
        "/api/booking-policy",
        headers=staff,
        json={"hold_minutes": 15, "max_open_holds": 3, "max_off_season_nights_per_year": 6},
    )
    assert policy.status_code == 200
    assert (await hold(client, member, arrival="2027-01-10", departure="2027-01-14")).status_code == 201
    over = await hold(client, member, arrival="2027-02-10", departure="2027-02-13")
    assert over.status_code == 422
    assert over.json()["code"] == "yearly_nights_limit"
    # December 2026 belongs to another calendar year.
    assert (await hold(client, member, arrival="2026-12-10", departure="2026-12-14")).status_code == 201


async def test_staff_set_the_hold_duration(client: AsyncTestClient[Any]) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    await client.put(
        "/api/booking-policy",
        headers=staff,
        json={"hold_minutes": 5, "max_open_holds": 1, "max_off_season_nights_per_year": 21},
    )
    assert (await hold(client, member)).json()["hold_expires_at"] == "2026-11-23T09:05:00Z"


async def test_when_nothing_is_left_a_hold_is_a_409(client: AsyncTestClient[Any]) -> None:
    stay = {"unit_type": "bungalow", "guests": 4}
    for username in ("M0001", "M0002", "M0003"):
        assert (await hold(client, await login(client, username), **stay)).status_code == 201
    last = await hold(client, await login(client, "M0004"), **stay)
    assert last.status_code == 409
    assert last.json()["code"] == "sold_out"


async def test_the_retired_quota_bounds_holds_too(client: AsyncTestClient[Any]) -> None:
    # Three bungalows, half for retired members: one.
    assert (await hold(client, await login(client, "M0005"), unit_type="bungalow")).status_code == 201
    second_retired = await hold(client, await login(client, "M0010"), unit_type="bungalow")
    assert second_retired.status_code == 409
    assert (await hold(client, await login(client, "M0001"), unit_type="bungalow")).status_code == 201


async def test_bad_holds_are_refused_with_the_field_and_take_nothing(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    before = await available(client, member)
    cases = [
        ({"guests": 3}, 422, "party_too_large"),
        ({"departure": "2026-12-19"}, 422, "invalid_dates"),
        ({"arrival": "2027-07-11", "departure": "2027-07-21"}, 422, "summer_by_application"),
        ({"unit_type": "castle"}, 404, "unit_type_not_found"),
        ({"centre": "agadir"}, 404, "centre_not_found"),
        ({"guests": "two"}, 400, "invalid_input"),
        ({"promo_code": "bad code!"}, 400, "invalid_input"),
    ]
    for changes, status, code in cases:
        response = await hold(client, member, **changes)
        assert (response.status_code, response.json()["code"]) == (status, code), changes
    assert await available(client, member) == before
    assert (await client.get("/api/bookings", headers=member)).json() == []


async def test_members_hold_for_themselves_and_staff_only_for_a_member_they_name(
    client: AsyncTestClient[Any],
) -> None:
    assert (await hold(client, {})).status_code == 401
    unnamed = await hold(client, await login(client, "staff"))
    assert unnamed.status_code == 422
    assert unnamed.json()["code"] == "member_required"
    assert (await hold(client, await login(client, "manager-ifrane"))).status_code == 403


async def test_the_same_idempotency_key_replays_the_first_hold(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    headers = {**member, "Idempotency-Key": "hold-1"}
    first = await hold(client, headers)
    again = await hold(client, headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert len((await client.get("/api/bookings", headers=member)).json()) == 1
    other_body = await hold(client, headers, unit_type="apt2")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
