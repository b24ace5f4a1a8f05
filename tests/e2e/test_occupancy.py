"""Centre managers read occupancy per night for their own centres."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import confirm_booking, hold, login

RANGE = {"from": "2026-12-19", "to": "2026-12-24"}


async def test_a_manager_sees_holds_and_stays_night_by_night(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member, guests=2)).json()  # 20 to 24 December, a studio
    await confirm_booking(settings, booking["id"])
    await hold(
        client,
        await login(client, "M0002"),
        unit_type="bungalow",
        guests=5,
        arrival="2026-12-22",
        departure="2026-12-24",
    )
    manager = await login(client, "manager-ifrane")
    response = await client.get("/api/centres/ifrane/occupancy", params=RANGE, headers=manager)
    assert response.status_code == 200, response.text
    nights = {n["date"]: n for n in response.json()["nights"]}
    assert list(nights) == [
        "2026-12-19",
        "2026-12-20",
        "2026-12-21",
        "2026-12-22",
        "2026-12-23",
        "2026-12-24",
    ]
    assert nights["2026-12-19"] == {"date": "2026-12-19", "units_total": 35, "units_occupied": 0, "guests": 0}
    assert (nights["2026-12-20"]["units_occupied"], nights["2026-12-20"]["guests"]) == (1, 2)
    assert (nights["2026-12-22"]["units_occupied"], nights["2026-12-22"]["guests"]) == (2, 7)
    assert nights["2026-12-24"]["units_occupied"] == 0  # departure day: not a night of the stay
    assert response.json()["on_site_now"] == 0


async def test_occupancy_is_for_that_centres_managers_and_staff_only(client: AsyncTestClient[Any]) -> None:
    url = "/api/centres/ifrane/occupancy"
    assert (await client.get(url, params=RANGE, headers=await login(client, "staff"))).status_code == 200
    assert (
        await client.get(url, params=RANGE, headers=await login(client, "manager-saidia"))
    ).status_code == 403
    assert (await client.get(url, params=RANGE, headers=await login(client, "M0001"))).status_code == 403
    assert (await client.get(url, params=RANGE)).status_code == 401
    staff = await login(client, "staff")
    backwards = await client.get(url, params={"from": "2026-12-24", "to": "2026-12-19"}, headers=staff)
    assert (backwards.status_code, backwards.json()["field"]) == (422, "to")
    assert (await client.get(url, params={"from": "2026-12-24"}, headers=staff)).status_code == 400
