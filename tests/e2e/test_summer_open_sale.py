"""Summer units the draw leaves empty go on open sale (issue 22.6): staff choose when, once no offer
awaits payment; then any member holds them as an off-season stay, and a unit freed later is for sale, not
re-offered. Before the draw, or while an offer is open, it is refused (409); a summer night is never sold
directly before."""

from __future__ import annotations

from tests.conftest import Clock, login
from tests.e2e.test_campaigns import CODE, Client, drawn, open_campaign
from tests.e2e.test_campaigns_offers import _own, _pay, _settle

SUMMER_STAY = {
    "centre": "ifrane",
    "unit_type": "bungalow",
    "arrival": "2027-07-01",
    "departure": "2027-07-11",
}


async def _bungalows_free(client: Client, member: dict[str, str]) -> int:
    params = {k: v for k, v in {**SUMMER_STAY, "guests": 4}.items() if k != "unit_type"}
    found = await client.get("/api/availability", params=params, headers=member)
    assert found.status_code == 200, found.text
    return next((o["available"] for o in found.json() if o["unit_type"] == "bungalow"), 0)


async def test_the_units_the_draw_left_go_on_open_sale_when_staff_say_so(
    client: Client, clock: Clock
) -> None:
    who = await drawn(client, clock, ["M0001", "M0002"])  # three bungalows, two applicants
    staff = who["staff"]
    buyer = await login(client, "M0006")  # an active member: the summer's quotas hold on open sale too
    direct = await client.post("/api/bookings", json={**SUMMER_STAY, "guests": 4}, headers=buyer)
    assert direct.status_code == 422
    assert direct.json()["code"] == "summer_by_application"

    early = await client.post(f"/api/campaigns/{CODE}/open-sale", headers=staff)
    assert early.status_code == 409
    assert early.json()["code"] == "offers_still_open"

    await _pay(client, who["M0001"])  # M0002 lets the offer lapse
    deadline = (await _own(client, who["M0002"]))["offer"]["payment_deadline"]
    assert deadline
    clock.advance(hours=49)
    settled = await _settle(client, staff)
    assert (settled["paid"], settled["lapsed"], settled["offered"]) == (1, 1, 0)

    opened = await client.post(f"/api/campaigns/{CODE}/open-sale", headers=staff)
    assert opened.status_code == 200, opened.text
    assert opened.json()["season"] == "summer-2027"
    again = await client.post(f"/api/campaigns/{CODE}/open-sale", headers=staff)
    assert again.json()["open_sale_at"] == opened.json()["open_sale_at"]  # once

    # Two bungalows are free (M0001 paid for the third), but the active members' quota is two of three:
    # one more for them. A retiree's quota of bungalows in summer is none.
    assert await _bungalows_free(client, buyer) == 1
    assert await _bungalows_free(client, await login(client, "M0005")) == 0
    held = await client.post("/api/bookings", json={**SUMMER_STAY, "guests": 4}, headers=buyer)
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "held"
    assert held.json()["price"]["total"]["amount_minor"] > 0
    # The season's own stay rules hold: ten nights in this summer.
    short = await client.post(
        "/api/bookings", json={**SUMMER_STAY, "departure": "2027-07-05", "guests": 4}, headers=buyer
    )
    assert short.status_code == 422
    assert short.json()["code"] == "stay_too_short"

    logged = await client.get("/api/audit", headers=staff, params={"kind": "campaign.open_sale"})
    assert logged.status_code == 200, logged.text
    assert len(logged.json()["entries"]) == 1
    events = await client.get(f"/api/campaigns/{CODE}/audit", params={"event": "open_sale"}, headers=staff)
    assert len(events.json()) == 1
    assert (await client.post(f"/api/campaigns/{CODE}/open-sale", headers=buyer)).status_code == 403


async def test_before_the_draw_nothing_goes_on_open_sale(client: Client) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    refused = await client.post(f"/api/campaigns/{CODE}/open-sale", headers=staff)
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_drawn"
    missing = await client.post("/api/campaigns/summer-1999/open-sale", headers=staff)
    assert missing.status_code == 404


async def test_a_unit_freed_after_the_open_sale_is_for_sale_not_re_offered(
    client: Client, clock: Clock
) -> None:
    names = ["M0001", "M0002", "M0003", "M0004"]
    who = await drawn(client, clock, names)  # three bungalows: three offers, one applicant waits
    staff = who["staff"]
    results = {name: (await _own(client, who[name]))["result"] for name in names}
    offered = [name for name in names if results[name] == "offer"]
    waiting = next(name for name in names if results[name] == "waiting")
    paid = {name: await _pay(client, who[name]) for name in offered}
    assert (await _settle(client, staff))["paid"] == 3
    assert (await client.post(f"/api/campaigns/{CODE}/open-sale", headers=staff)).status_code == 200
    name = offered[0]
    assert (await client.post(f"/api/bookings/{paid[name]}/cancel", headers=who[name])).status_code == 200
    settled = await _settle(client, staff)
    assert (settled["cancelled"], settled["offered"]) == (1, 0)  # the freed bungalow is offered to nobody
    assert (await _own(client, who[waiting]))["result"] == "waiting"
