"""Reading, cancelling and moving bookings; who may see what."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import Clock, available, confirm_booking, hold, login


async def test_a_member_lists_and_reads_only_their_own_bookings(client: AsyncTestClient[Any]) -> None:
    mine, theirs = await login(client, "M0001"), await login(client, "M0002")
    booking = (await hold(client, mine)).json()
    listed = (await client.get("/api/bookings", headers=mine)).json()
    assert [b["id"] for b in listed] == [booking["id"]]
    assert (await client.get("/api/bookings", headers=theirs)).json() == []
    other = await client.get(f"/api/bookings/{booking['id']}", headers=theirs)
    assert other.status_code == 404
    assert other.json()["code"] == "booking_not_found"
    assert (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=theirs)).status_code == 404
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=mine)).json() == booking


async def test_staff_see_all_and_managers_only_their_centres(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    staff = await login(client, "staff")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=staff)).status_code == 200
    own_centre = await login(client, "manager-ifrane")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=own_centre)).status_code == 200
    assert [b["id"] for b in (await client.get("/api/bookings", headers=own_centre)).json()] == [
        booking["id"]
    ]
    other_centre = await login(client, "manager-saidia")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=other_centre)).status_code == 404
    assert (await client.get("/api/bookings", headers=other_centre)).json() == []
    assert (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=own_centre)).status_code == 403


async def test_an_unknown_or_malformed_booking_id_is_404_or_400(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    assert (
        await client.get("/api/bookings/00000000-0000-4000-8000-000000000000", headers=member)
    ).status_code == 404
    assert (await client.get("/api/bookings/not-a-uuid", headers=member)).status_code in {400, 404}


async def test_cancelling_a_hold_frees_it_and_refunds_nothing(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    before = await available(client, member)
    booking = (await hold(client, member)).json()
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    assert cancelled.status_code == 200
    assert cancelled.json() == {
        "id": booking["id"],
        "status": "cancelled",
        "refund": {"amount_minor": 0, "currency": "MAD"},
    }
    assert await available(client, member) == before
    again = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_cancelling_a_paid_stay_refunds_by_the_seasons_policy(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member, arrival="2026-12-20", departure="2026-12-24")).json()
    await confirm_booking(settings, booking["id"])
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"
    # Off-season policy: full refund at least 7 days ahead, half at least 1 day ahead. Arrival is
    # 20 December at 14:00 in Casablanca; on 14 December at 10:00 that is 6 days and 4 hours.
    clock.advance(days=21)
    cancelled = (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)).json()
    assert cancelled["refund"] == {
        "amount_minor": booking["price"]["total"]["amount_minor"] // 2,
        "currency": "MAD",
    }
    read = (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()
    assert read["status"] == "cancelled"
    assert read["refund"] == cancelled["refund"]


async def test_staff_cancel_any_booking_and_the_full_refund_applies_well_ahead(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    await confirm_booking(settings, booking["id"])
    staff = await login(client, "staff")
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=staff)
    assert cancelled.json()["refund"] == booking["price"]["total"]


async def test_a_hold_that_expired_cannot_be_cancelled_or_paid_late_over_another(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    first = (await hold(client, await login(client, "M0001"), unit_type="bungalow", guests=4)).json()
    clock.advance(minutes=20)
    for username in ("M0002", "M0003", "M0004"):
        assert (
            await hold(client, await login(client, username), unit_type="bungalow", guests=4)
        ).status_code == 201
    cancel = await client.post(f"/api/bookings/{first['id']}/cancel", headers=await login(client, "M0001"))
    assert cancel.status_code == 409


async def test_staff_move_a_booking_to_another_free_unit(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member, staff = await login(client, "M0001"), await login(client, "staff")
    booking = (await hold(client, member)).json()
    await confirm_booking(settings, booking["id"])
    units = [
        u["number"]
        for u in (await client.get("/api/centres/ifrane/units", headers=staff)).json()
        if u["unit_type"] == "studio"
    ]
    target = next(u for u in units if u != booking["unit"])
    moved = await client.post(f"/api/bookings/{booking['id']}/move", headers=staff, json={"unit": target})
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit"] == target
    second = (await hold(client, await login(client, "M0002"))).json()
    assert second["unit"] == booking["unit"]  # the old unit is free again and first in line
    taken = await client.post(
        f"/api/bookings/{booking['id']}/move", headers=staff, json={"unit": second["unit"]}
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "unit_taken"
    wrong_type = next(
        u["number"]
        for u in (await client.get("/api/centres/ifrane/units", headers=staff)).json()
        if u["unit_type"] == "bungalow"
    )
    refused = await client.post(
        f"/api/bookings/{booking['id']}/move", headers=staff, json={"unit": wrong_type}
    )
    assert refused.status_code == 422
    assert (
        await client.post(f"/api/bookings/{booking['id']}/move", headers=member, json={"unit": target})
    ).status_code == 403


async def test_a_broken_rule_names_its_figures_in_the_problem(client: AsyncTestClient[Any]) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    short = await hold(client, member, arrival="2026-12-20", departure="2026-12-21")
    assert short.status_code == 422
    assert short.json() == {
        "type": "https://estivage.example/problems/stay-too-short",
        "title": "Stay too short",
        "status": 422,
        "detail": "a stay in this season lasts at least 2 nights",
        "code": "stay_too_short",
        "field": "departure",
        "params": {"min_nights": 2},
    }
    policy = {"hold_minutes": 15, "max_open_holds": 3, "max_off_season_nights_per_year": 6}
    assert (await client.put("/api/booking-policy", headers=staff, json=policy)).status_code == 200
    assert (await hold(client, member, arrival="2027-01-10", departure="2027-01-14")).status_code == 201
    over = (await hold(client, member, arrival="2027-02-10", departure="2027-02-13")).json()
    assert (over["code"], over["params"]) == ("yearly_nights_limit", {"max_nights": 6, "left": 2})
    unknown = (await client.get("/api/bookings/00000000-0000-0000-0000-000000000000", headers=member)).json()
    assert "params" not in unknown  # only the errors whose words need figures carry them
