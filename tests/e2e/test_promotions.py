"""Staff configure off-season promotions; members see them in availability and get them on holds."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import confirm_booking, hold, login, pause_demo_promotions

WINTER = {
    "name": "Hiver à Ifrane",
    "kind": "percentage",
    "percent_bp": 2000,
    "centres": ["ifrane"],
    "stay_from": "2026-12-01",
    "stay_until": "2027-02-28",
    "min_nights": 3,
}


@pytest.fixture(autouse=True)
async def _only_this_tests_promotions(settings: Settings) -> None:
    await pause_demo_promotions(settings)


QUERY = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": 2}


async def _studio(client: AsyncTestClient[Any], headers: dict[str, str], **query: Any) -> Any:
    offers = (await client.get("/api/availability", params={**QUERY, **query}, headers=headers)).json()
    return next(o for o in offers if o["unit_type"] == "studio")


async def test_an_automatic_promotion_shows_in_availability_and_in_the_hold(
    client: AsyncTestClient[Any],
) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    created = await client.post("/api/promotions", headers=staff, json=WINTER)
    assert created.status_code == 201, created.text
    studio = await _studio(client, member)
    assert studio["subtotal"]["amount_minor"] == 100000
    assert studio["discount"]["amount_minor"] == 20000
    assert studio["price"]["amount_minor"] == 80000
    assert studio["promotion"]["name"] == "Hiver à Ifrane"
    booking = (await hold(client, member)).json()
    assert booking["price"]["total"] == studio["price"]
    assert booking["price"]["promotion"]["id"] == created.json()["id"]
    too_short = await _studio(client, member, departure="2026-12-22")
    assert too_short["promotion"] is None


async def test_a_code_promotion_applies_only_with_its_code_and_a_bad_code_is_a_clear_422(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    await client.post(
        "/api/promotions",
        headers=staff,
        json={
            "name": "Code week-end",
            "kind": "stay_pay",
            "stay_nights": 4,
            "pay_nights": 3,
            "code": "ARZ4",
        },
    )
    member = await login(client, "M0001")
    assert (await _studio(client, member))["promotion"] is None
    refused = await hold(client, member, promo_code="NOPE")
    assert refused.status_code == 422
    assert refused.json()["field"] == "promo_code"
    booking = (await hold(client, member, promo_code="arz4")).json()
    assert booking["price"]["discount"]["amount_minor"] == 25000  # one free night of four


async def test_staff_pause_a_promotion_and_see_its_uses_and_budget(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    staff = await login(client, "staff")
    promotion = (
        await client.post(
            "/api/promotions",
            headers=staff,
            json={
                **WINTER,
                "budget": {"amount_minor": 30000, "currency": "MAD"},
            },
        )
    ).json()
    first = (await hold(client, await login(client, "M0001"))).json()
    await confirm_booking(settings, first["id"])
    second = (await hold(client, await login(client, "M0002"))).json()
    assert second["price"]["discount"]["amount_minor"] == 10000  # what is left of the budget
    third = (await hold(client, await login(client, "M0003"))).json()
    assert third["price"]["promotion"] is None
    read = (await client.get(f"/api/promotions/{promotion['id']}", headers=staff)).json()
    assert read["uses"] == 2
    assert read["spent"] == {"amount_minor": 30000, "currency": "MAD"}
    paused = await client.patch(f"/api/promotions/{promotion['id']}", headers=staff, json={"paused": True})
    assert paused.json()["paused"] is True
    listed = {p["id"]: p for p in (await client.get("/api/promotions", headers=staff)).json()}
    assert listed[promotion["id"]]["paused"] is True


async def test_bad_promotions_are_refused_and_only_staff_manage_them(client: AsyncTestClient[Any]) -> None:
    staff, member = await login(client, "staff"), await login(client, "M0001")
    missing = await client.post("/api/promotions", headers=staff, json={"name": "x", "kind": "percentage"})
    assert (missing.status_code, missing.json()["field"]) == (422, "percent_bp")
    upside_down = await client.post(
        "/api/promotions",
        headers=staff,
        json={"name": "x", "kind": "stay_pay", "stay_nights": 3, "pay_nights": 3},
    )
    assert upside_down.status_code == 422
    too_big = await client.post(
        "/api/promotions", headers=staff, json={"name": "x", "kind": "percentage", "percent_bp": 12000}
    )
    assert too_big.status_code == 400
    assert (await client.post("/api/promotions", headers=member, json=WINTER)).status_code == 403
    assert (await client.get("/api/promotions", headers=member)).status_code == 403
    assert all(p["name"] != "x" for p in (await client.get("/api/promotions", headers=staff)).json())


async def test_holds_one_after_another_stop_at_a_promotions_use_cap(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    await client.post("/api/promotions", headers=staff, json={**WINTER, "max_uses": 2})
    members = [await login(client, f"M000{i}") for i in (1, 2, 3, 4, 6, 7)]
    bookings = [await hold(client, m, unit_type="apt2") for m in members]
    discounted = [b.json()["price"]["promotion"] is not None for b in bookings]
    assert all(b.status_code == 201 for b in bookings)
    assert sum(discounted) == 2


async def test_a_promotion_change_is_held_to_the_same_limits_as_a_creation(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    promotion_id = (await client.get("/api/promotions", headers=staff)).json()[0]["id"]
    for change in ({"max_uses": -5}, {"max_uses": 10**12}, {"max_uses_per_member": 0}, {"name": ""}):
        refused = await client.patch(f"/api/promotions/{promotion_id}", json=change, headers=staff)
        assert refused.status_code == 400, (change, refused.text)
    for huge in ("81945035711426", "99999999999999999999999"):
        assert (await client.get(f"/api/promotions/{huge}", headers=staff)).status_code in (404, 422)


async def test_a_change_lifts_caps_and_refuses_a_cap_both_set_and_lifted(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    capped = {"max_uses": 2, "max_uses_per_member": 1, "budget": {"amount_minor": 30000, "currency": "MAD"}}
    created = await client.post("/api/promotions", headers=staff, json={**WINTER, **capped})
    url = f"/api/promotions/{created.json()['id']}"
    both = await client.patch(url, headers=staff, json={"max_uses": 5, "clear": ["budget", "max_uses"]})
    assert both.status_code == 422, both.text
    assert (both.json()["code"], both.json()["field"]) == ("cap_set_and_cleared", "max_uses")
    assert "max_uses" in both.json()["detail"]
    unchanged = (await client.get(url, headers=staff)).json()
    assert (unchanged["max_uses"], unchanged["budget"]["amount_minor"]) == (2, 30000)
    lifted = await client.patch(
        url, headers=staff, json={"clear": ["max_uses", "budget"], "name": "Sans plafond"}
    )
    assert lifted.status_code == 200, lifted.text
    body = lifted.json()
    assert (body["max_uses"], body["budget"], body["max_uses_per_member"]) == (None, None, 1)
    assert body["name"] == "Sans plafond"
    assert (await client.get(url, headers=staff)).json()["max_uses"] is None
    unknown = await client.patch(url, headers=staff, json={"clear": ["min_nights"]})
    assert unknown.status_code == 400


async def test_a_change_of_conditions_is_held_to_a_new_promotions_rules_and_prices_with_them(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    created = await client.post("/api/promotions", headers=staff, json=WINTER)
    url = f"/api/promotions/{created.json()['id']}"
    member = await login(client, "M0002")
    before = await _studio(client, member)
    no_amount = await client.patch(url, headers=staff, json={"kind": "fixed"})
    assert no_amount.status_code == 422, no_amount.text
    assert (no_amount.json()["code"], no_amount.json()["field"]) == ("invalid_promotion", "amount")
    assert (await client.get(url, headers=staff)).json()["kind"] == "percentage"  # nothing changed
    fixed = {"kind": "fixed", "amount": {"amount_minor": 10_000, "currency": "MAD"}, "clear": ["stay_from"]}
    changed = await client.patch(url, headers=staff, json=fixed)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["kind"], body["percent_bp"], body["amount"]["amount_minor"]) == ("fixed", None, 10_000)
    assert (body["stay_from"], body["stay_until"]) == (None, "2027-02-28")
    after = await _studio(client, member)
    assert after["price"]["amount_minor"] != before["price"]["amount_minor"]
    elsewhere = await client.patch(url, headers=staff, json={"centres": ["saidia"]})
    assert elsewhere.json()["centres"] == ["saidia"]
    undiscounted = await _studio(client, member)
    assert undiscounted["price"]["amount_minor"] > after["price"]["amount_minor"]  # not at Ifrane now
    backwards = await client.patch(
        url, headers=staff, json={"book_from": "2027-01-02", "book_until": "2027-01-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "book_until"


async def test_the_openapi_document_says_how_to_lift_a_cap(client: AsyncTestClient[Any]) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    patch = next(v for k, v in schemas.items() if k.endswith("PromotionPatch"))
    clear = patch["properties"]["clear"]
    caps_and_bounds = ["max_uses", "max_uses_per_member", "budget"]
    caps_and_bounds += ["stay_from", "stay_until", "book_from", "book_until"]  # a date bound dropped: open
    assert clear["items"]["enum"] == caps_and_bounds
    assert "no limit" in clear["description"]
