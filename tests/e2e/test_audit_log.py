"""The audit log of staff actions: every change staff make leaves who, when, what before and after, in the
same transaction as the change; staff read it filtered and a page at a time; nobody can change it, not
even with SQL."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import Clock, hold, login
from tests.e2e.test_gate_fleet import _stay


async def audit(
    client: AsyncTestClient[Any], headers: dict[str, str], **filters: Any
) -> list[dict[str, Any]]:
    response = await client.get("/api/audit", params=filters, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["entries"])


async def winter_tariff(client: AsyncTestClient[Any], staff: dict[str, str]) -> dict[str, Any]:
    tariffs = (await client.get("/api/tariffs", headers=staff)).json()
    return next(
        t
        for t in tariffs
        if t["centre"] == "ifrane" and t["unit_type"] == "studio" and t["category"] == "active"
    )


async def test_a_tariff_change_says_who_when_and_the_price_before_and_after(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    tariff = await winter_tariff(client, staff)
    old = tariff["nightly"]["amount_minor"]
    changed = await client.put(
        "/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": old + 5000}}
    )
    assert changed.status_code == 200, changed.text

    [entry] = await audit(client, staff, kind="tariff.set")
    assert entry["actor"] == "staff"
    assert entry["actor_role"] == "staff"
    assert entry["at"] == "2026-11-23T09:00:00Z"
    assert entry["subject_kind"] == "tariff"
    assert entry["subject_key"] == f"{tariff['season']}/ifrane/studio/active"
    assert entry["before"] == {"nightly_minor": old}
    assert entry["after"] == {"nightly_minor": old + 5000}

    # Setting the same price again changes nothing, and leaves nothing in the log.
    again = await client.put(
        "/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": old + 5000}}
    )
    assert again.status_code == 200
    assert len(await audit(client, staff, kind="tariff.set")) == 1


async def test_every_kind_of_staff_change_is_logged(client: AsyncTestClient[Any], settings: Settings) -> None:
    staff = await login(client, "staff")
    tariff = await winter_tariff(client, staff)
    await client.put("/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": 31000}})
    quota = {"season": tariff["season"], "centre": "ifrane", "unit_type": "studio", "category": "retired"}
    assert (await client.put("/api/quotas", headers=staff, json={**quota, "units": 2})).status_code == 200
    season = await client.patch(f"/api/seasons/{tariff['season']}", headers=staff, json={"max_nights": 12})
    assert season.status_code == 200, season.text
    policy = {"hold_minutes": 20, "max_open_holds": 2, "max_off_season_nights_per_year": 30}
    assert (await client.put("/api/booking-policy", headers=staff, json=policy)).status_code == 200
    promotion = await client.post(
        "/api/promotions", headers=staff, json={"name": "Printemps", "kind": "percentage", "percent_bp": 500}
    )
    assert promotion.status_code == 201, promotion.text
    paused = await client.patch(
        f"/api/promotions/{promotion.json()['id']}", headers=staff, json={"paused": True}
    )
    assert paused.status_code == 200
    device = (
        await client.post("/api/access/devices", headers=staff, json={"centre": "ifrane", "name": "Nord"})
    ).json()
    assert (
        await client.post(f"/api/access/devices/{device['device_id']}/revoke", headers=staff)
    ).status_code == 200
    stay = await _stay(client, "M0002")
    revoked = await client.post(f"/api/access/passes/{stay['pass_id']}/revoke", headers=staff, json={})
    assert revoked.status_code == 200
    moved = await move_to_another_studio(client, staff, stay["booking_id"])
    cancelled = await client.post(f"/api/bookings/{stay['booking_id']}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text

    entries = await audit(client, staff)
    assert {e["kind"] for e in entries} == {
        "tariff.set",
        "quota.set",
        "season.changed",
        "booking_policy.set",
        "promotion.created",
        "promotion.changed",
        "device.enrolled",
        "device.revoked",
        "pass.revoked",
        "booking.moved",
        "booking.cancelled_by_staff",
    }
    assert {e["actor"] for e in entries} == {"staff"}
    by_kind = {e["kind"]: e for e in entries}
    assert by_kind["quota.set"]["after"] == {"units": 2, "share_bp": None}
    assert by_kind["season.changed"]["after"] == {"max_nights": 12}
    assert by_kind["promotion.changed"]["before"] == {"paused": False}
    assert by_kind["promotion.changed"]["after"] == {"paused": True}
    assert by_kind["booking.moved"]["after"] == {"unit": moved}
    assert by_kind["pass.revoked"]["member"] == "M0002"
    cancel = by_kind["booking.cancelled_by_staff"]
    assert cancel["subject_key"] == stay["booking_id"]
    assert cancel["member"] == "M0002"
    assert cancel["before"] == {"status": "confirmed", "refund": None}
    assert cancel["after"]["status"] == "cancelled"
    # A member's own cancellation is theirs, not a staff action.
    member_stay = await _stay(client, "M0003")
    await client.post(f"/api/bookings/{member_stay['booking_id']}/cancel", headers=member_stay["member"])
    assert len(await audit(client, staff, kind="booking.cancelled_by_staff")) == 1


async def move_to_another_studio(client: AsyncTestClient[Any], staff: dict[str, str], booking_id: str) -> str:
    booking = (await client.get(f"/api/bookings/{booking_id}", headers=staff)).json()
    units = (await client.get("/api/centres/ifrane/units", headers=staff)).json()
    for unit in units:
        if unit["unit_type"] == "studio" and unit["number"] != booking["unit"]:
            moved = await client.post(
                f"/api/bookings/{booking_id}/move", headers=staff, json={"unit": unit["number"]}
            )
            if moved.status_code == 200:
                return str(unit["number"])
    raise AssertionError("no free studio to move to")


async def test_staff_filter_the_log_and_read_it_a_page_at_a_time(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    staff = await login(client, "staff")
    tariff = await winter_tariff(client, staff)
    for price in range(20000, 20500, 100):  # five changes on the first day
        await client.put("/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": price}})
    clock.advance(days=1)
    await client.put(
        "/api/booking-policy",
        headers=staff,
        json={"hold_minutes": 10, "max_open_holds": 1, "max_off_season_nights_per_year": 21},
    )

    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"before": cursor} if cursor else {})}
        response = (await client.get("/api/audit", params=params, headers=staff)).json()
        pages.append([e["id"] for e in response["entries"]])
        cursor = response["next_before"]
        if cursor is None:
            break
    ids = [i for page in pages for i in page]
    assert [len(p) for p in pages] == [2, 2, 2]
    assert ids == sorted(ids, reverse=True), "newest first"
    assert len(set(ids)) == 6

    assert len(await audit(client, staff, kind="tariff.set")) == 5
    assert [e["kind"] for e in await audit(client, staff, **{"from": "2026-11-24"})] == ["booking_policy.set"]
    assert len(await audit(client, staff, **{"from": "2026-11-23", "to": "2026-11-23"})) == 5
    key = f"{tariff['season']}/ifrane/studio/active"
    assert len(await audit(client, staff, subject_kind="tariff", subject_key=key)) == 5
    assert await audit(client, staff, actor="someone-else") == []


async def test_only_staff_read_the_log(client: AsyncTestClient[Any]) -> None:
    for username in ("M0001", "manager-ifrane"):
        response = await client.get("/api/audit", headers=await login(client, username))
        assert response.status_code == 403


async def test_a_change_refused_leaves_no_entry(client: AsyncTestClient[Any]) -> None:
    """The entry is written in the change's own transaction: a refusal rolls both back. A retired
    member's hold paid by payroll is refused (the holiday credit is for active members in the demo)."""
    staff = await login(client, "staff")
    held = await client.post(
        "/api/bookings",
        headers=staff,
        json={
            "member": "M0005",
            "centre": "ifrane",
            "unit_type": "studio",
            "arrival": "2026-12-20",
            "departure": "2026-12-24",
            "guests": 2,
        },
    )
    assert held.status_code == 201, held.text
    paid = await client.post(
        f"/api/bookings/{held.json()['id']}/checkout", headers=staff, json={"method": "payroll"}
    )
    assert paid.status_code == 422, paid.text
    assert await audit(client, staff, kind="booking.paid_for_member") == []
    assert len(await audit(client, staff, kind="booking.held_for_member")) == 1


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"])
async def test_the_database_refuses_to_change_or_delete_an_entry(
    client: AsyncTestClient[Any], settings: Settings, statement: str
) -> None:
    staff = await login(client, "staff")
    await client.put(
        "/api/booking-policy",
        headers=staff,
        json={"hold_minutes": 10, "max_open_holds": 1, "max_off_season_nights_per_year": 21},
    )
    engine = create_disposable_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError, match="append-only"):
                await connection.execute(text(statement))
            await connection.rollback()
            assert (await connection.execute(text("SELECT actor FROM audit_log"))).scalars().all() == [
                "staff"
            ]
    finally:
        await engine.dispose()


async def test_the_log_finds_what_staff_did_for_one_member(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    held = (await hold(client, await login(client, "M0004"))).json()
    await hold(client, await login(client, "M0006"))
    cancelled = await client.post(f"/api/bookings/{held['id']}/cancel", headers=staff)
    assert cancelled.status_code == 200
    [entry] = await audit(client, staff, member="M0004")
    assert entry["kind"] == "booking.cancelled_by_staff"
    assert entry["before"] == {"status": "held", "refund": None}
    assert entry["after"] == {"status": "cancelled", "refund": {"amount_minor": 0, "currency": "MAD"}}
    assert await audit(client, staff, member="M0006") == []
