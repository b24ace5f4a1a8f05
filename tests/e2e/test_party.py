"""A member names the people of the party (name, relation, age band) at the hold or later, before the stay
begins: the guests are the member and the people named, and that is the party size on the pass."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from access.passformat import decode_pass
from tests.conftest import STAY, Clock, login, paid_by_payroll
from tests.e2e.test_audit_log import audit

SPOUSE = {"name": "Fatima Zahra Alaoui", "relation": "spouse", "age_band": "adult"}
CHILD = {"name": "Yassine", "relation": "child", "age_band": "child"}
BABY = {"name": "  Salma   Alaoui ", "relation": "child", "age_band": "infant"}
FLAT = {**STAY, "unit_type": "apt2"}


async def paid(client: AsyncTestClient[Any], member: dict[str, str], **stay: Any) -> dict[str, Any]:
    return await paid_by_payroll(client, member, instalments=1, **{**FLAT, **stay})


async def test_a_party_named_at_the_hold_is_kept_and_counts_the_guests(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    held = await client.post(
        "/api/bookings", headers=member, json={**FLAT, "guests": 3, "party": [SPOUSE, CHILD]}
    )
    assert held.status_code == 201, held.text
    assert held.json()["party"] == [SPOUSE, CHILD]
    read = (await client.get(f"/api/bookings/{held.json()['id']}", headers=member)).json()
    assert read["guests"] == 3
    assert [p["name"] for p in read["party"]] == ["Fatima Zahra Alaoui", "Yassine"]

    mismatch = await client.post(
        "/api/bookings",
        headers=await login(client, "M0002"),
        json={**FLAT, "guests": 2, "party": [SPOUSE, CHILD]},
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "party_count_mismatch"
    assert mismatch.json()["field"] == "party"


async def test_naming_the_party_later_sets_the_guests_and_the_pass_is_issued_again(
    client: AsyncTestClient[Any],
) -> None:
    member = await login(client, "M0001")
    booking = await paid(client, member, guests=2)
    first = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    assert first["party_size"] == 2

    named = await client.put(
        f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE, CHILD, BABY]}
    )
    assert named.status_code == 200, named.text
    assert named.json()["guests"] == 4
    assert named.json()["party"][2]["name"] == "Salma Alaoui"

    second = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    assert second["pass_id"] != first["pass_id"]
    assert second["party_size"] == 4
    assert decode_pass(second["payload"]).claims.party_size == 4
    gate = await client.post(
        "/api/access/devices",
        headers=await login(client, "staff"),
        json={"centre": "ifrane", "name": "Entrée"},
    )
    feed = await client.get(
        "/api/access/revocations",
        params={"since": 0},
        headers={"Authorization": f"Bearer {gate.json()['token']}"},
    )
    assert first["pass_id"] in feed.json()["revoked"]
    nights = (
        await client.get(
            "/api/centres/ifrane/occupancy",
            params={"from": "2026-12-20", "to": "2026-12-20"},
            headers=await login(client, "manager-ifrane"),
        )
    ).json()
    assert nights["nights"][0]["guests"] >= 4


async def test_the_same_count_keeps_the_pass(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    booking = await paid(client, member, guests=2)
    first = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    await client.put(f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE]})
    again = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    assert again["pass_id"] == first["pass_id"]


async def test_a_party_larger_than_the_unit_or_after_arrival_is_refused(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    member = await login(client, "M0001")
    booking = await paid(client, member, guests=2)
    too_many = await client.put(
        f"/api/bookings/{booking['id']}/party",
        headers=member,
        json={"party": [SPOUSE, CHILD, CHILD, CHILD, CHILD]},
    )
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "party_too_large"
    assert too_many.json()["params"] == {"capacity": 5}
    clock.advance(days=27)  # the arrival day, 20 December: still possible
    assert (
        await client.put(f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE]})
    ).status_code == 200
    clock.advance(days=1)
    late = await client.put(
        f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE, CHILD]}
    )
    assert late.status_code == 409
    assert late.json()["code"] == "party_locked"


async def test_only_the_member_and_staff_name_the_party_and_staff_are_logged(
    client: AsyncTestClient[Any],
) -> None:
    member = await login(client, "M0001")
    booking = await paid(client, member, guests=2)
    url = f"/api/bookings/{booking['id']}/party"
    other = await client.put(url, headers=await login(client, "M0002"), json={"party": [SPOUSE]})
    assert other.status_code == 404
    manager = await client.put(url, headers=await login(client, "manager-ifrane"), json={"party": [SPOUSE]})
    assert manager.status_code == 403
    staff = await login(client, "staff")
    assert (await client.put(url, headers=staff, json={"party": [SPOUSE, CHILD]})).status_code == 200
    [entry] = await audit(client, staff, kind="booking.party_named_by_staff")
    assert entry["before"] == {"guests": 2, "party": []}
    assert entry["after"] == {"guests": 3, "party": ["Fatima Zahra Alaoui", "Yassine"]}
    assert entry["member"] == "M0001"
