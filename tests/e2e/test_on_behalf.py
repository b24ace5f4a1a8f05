"""Staff book for a member (a retiree at the counter, a member on the phone): the member's own tariff,
limits and quota; paid by payroll on the member's behalf, or by card by the member on their own page; the
booking and the audit log say who made it."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from kernel.db import create_disposable_engine
from kernel.settings import Settings
from tests.conftest import STAY, login, pay_by_payroll
from tests.e2e.test_audit_log import audit


async def prices(client: AsyncTestClient[Any], headers: dict[str, str], **more: Any) -> dict[str, int]:
    params = {k: v for k, v in STAY.items() if k != "unit_type"} | more
    response = await client.get("/api/availability", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {o["unit_type"]: o["price"]["amount_minor"] for o in response.json()}


async def test_staff_see_a_retirees_availability_at_the_retirees_tariff(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    for_retiree = await prices(client, staff, member="M0005")
    assert for_retiree == await prices(client, await login(client, "M0005"))
    assert for_retiree["studio"] < (await prices(client, await login(client, "M0001")))["studio"]

    unnamed = await client.get("/api/availability", params={**STAY}, headers=staff)
    assert unnamed.status_code == 422
    assert unnamed.json()["code"] == "member_required"
    unknown = await client.get("/api/availability", params={**STAY, "member": "X9999"}, headers=staff)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "member_not_found"
    other = await client.get(
        "/api/availability", params={**STAY, "member": "M0005"}, headers=await login(client, "M0001")
    )
    assert other.status_code == 422
    assert other.json()["code"] == "member_not_allowed"


async def test_a_hold_staff_make_is_the_members_with_who_made_it(client: AsyncTestClient[Any]) -> None:
    staff, retiree = await login(client, "staff"), await login(client, "M0005")
    expected = (await prices(client, retiree))["studio"]
    held = await client.post("/api/bookings", headers=staff, json={**STAY, "member": "M0005"})
    assert held.status_code == 201, held.text
    booking = held.json()
    assert booking["booked_by"] == "staff"
    assert booking["price"]["total"]["amount_minor"] == expected

    mine = (await client.get("/api/bookings", headers=retiree)).json()
    assert [(b["id"], b["booked_by"]) for b in mine] == [(booking["id"], "staff")]
    # The member's own limits hold: one unpaid hold at a time, whoever asks.
    second = await client.post(
        "/api/bookings", headers=staff, json={**STAY, "unit_type": "apt2", "member": "M0005"}
    )
    assert second.status_code == 422
    assert second.json()["code"] == "open_hold_limit"
    own = await client.post("/api/bookings", headers=await login(client, "M0001"), json=STAY)
    assert own.json()["booked_by"] is None

    [entry] = await audit(client, staff, kind="booking.held_for_member")
    assert entry["member"] == "M0005"
    assert entry["subject_key"] == booking["id"]
    assert entry["after"]["total_minor"] == expected


async def test_staff_pay_by_payroll_for_the_member_but_a_card_is_the_members_own(
    client: AsyncTestClient[Any],
) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    booking = (await client.post("/api/bookings", headers=staff, json={**STAY, "member": "M0001"})).json()

    card = await client.post(
        f"/api/bookings/{booking['id']}/checkout", headers=staff, json={"method": "card"}
    )
    assert card.status_code == 403
    assert card.json()["code"] == "card_by_member_only"
    assert card.json()["params"]["page"] == f"/bookings/{booking['id']}"

    paid = await pay_by_payroll(client, staff, booking["id"], instalments=3)
    assert paid["status"] == "confirmed"
    assert [i["number"] for i in paid["instalments"]] == [1, 2, 3]
    read = (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()
    assert read["status"] == "confirmed"
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).status_code == 200
    [entry] = await audit(client, staff, kind="booking.paid_for_member")
    assert entry["after"] == {
        "method": "payroll",
        "instalments": 3,
        "total_minor": booking["price"]["total"]["amount_minor"],
    }
    assert entry["member"] == "M0001"


async def test_the_member_pays_a_hold_staff_made_by_card_on_their_own(client: AsyncTestClient[Any]) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0002")
    booking = (await client.post("/api/bookings", headers=staff, json={**STAY, "member": "M0002"})).json()
    checkout = await client.post(
        f"/api/bookings/{booking['id']}/checkout", headers=member, json={"method": "card"}
    )
    assert checkout.status_code == 200, checkout.text
    await client.post(checkout.json()["redirect_url"] + "/confirm", headers=member)
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()[
        "status"
    ] == "confirmed"


async def test_managers_do_not_book_for_members_and_staff_must_say_for_whom(
    client: AsyncTestClient[Any],
) -> None:
    manager = await client.post(
        "/api/bookings", headers=await login(client, "manager-ifrane"), json={**STAY, "member": "M0001"}
    )
    assert manager.status_code == 403
    staff = await client.post("/api/bookings", headers=await login(client, "staff"), json=STAY)
    assert staff.status_code == 422
    assert staff.json()["field"] == "member"
    member = await client.post(
        "/api/bookings", headers=await login(client, "M0001"), json={**STAY, "member": "M0002"}
    )
    assert member.status_code == 422
    assert member.json()["code"] == "member_not_allowed"


async def test_a_member_no_longer_on_the_roster_cannot_be_booked_for(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    engine = create_disposable_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET active = false WHERE username = 'M0003'"))
    await engine.dispose()
    refused = await client.post(
        "/api/bookings", headers=await login(client, "staff"), json={**STAY, "member": "M0003"}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "member_inactive"
