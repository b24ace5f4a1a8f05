"""Staff configure centres, unit types, units, closures, seasons, tariffs and quotas through the API."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import login

STAY = {"arrival": "2026-12-20", "departure": "2026-12-24", "guests": 2}
# A tariff's or a quota's key: season, centre, unit type and member category.
SLOT = {"season": "off-2026-2027", "centre": "ifrane", "unit_type": "studio", "category": "active"}


async def test_staff_build_a_new_centre_that_members_can_then_book(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    centre = await client.post(
        "/api/centres",
        headers=staff,
        json={"code": "agadir", "name_fr": "Agadir", "name_ar": "أكادير", "town_fr": "Agadir"},
    )
    assert centre.status_code == 201, centre.text
    unit_type = await client.post(
        "/api/centres/agadir/unit-types",
        headers=staff,
        json={"code": "studio", "name_fr": "Studio", "name_ar": "استوديو", "capacity": 2},
    )
    assert unit_type.status_code == 201, unit_type.text
    for number in ("A1", "A2"):
        unit = await client.post(
            "/api/centres/agadir/units", headers=staff, json={"number": number, "unit_type": "studio"}
        )
        assert unit.status_code == 201, unit.text
    tariff = await client.put(
        "/api/tariffs",
        headers=staff,
        json={**SLOT, "centre": "agadir", "nightly": {"amount_minor": 19900, "currency": "MAD"}},
    )
    assert tariff.status_code == 200, tariff.text

    member = await login(client, "M0001")
    offers = (
        await client.get("/api/availability", params={"centre": "agadir", **STAY}, headers=member)
    ).json()
    assert offers == [
        {
            **offers[0],
            "unit_type": "studio",
            "available": 2,
            "price": {"amount_minor": 4 * 19900, "currency": "MAD"},
        }
    ]

    retired = await login(client, "M0005")
    no_tariff = await client.get("/api/availability", params={"centre": "agadir", **STAY}, headers=retired)
    assert no_tariff.json() == []  # no retired tariff configured: not offered rather than free


async def test_a_unit_out_of_service_is_not_offered(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    units = (await client.get("/api/centres/ifrane/units", headers=staff)).json()
    bungalow = next(u for u in units if u["unit_type"] == "bungalow")
    closure = await client.post(
        f"/api/centres/ifrane/units/{bungalow['number']}/closures",
        headers=staff,
        json={"starts_on": "2026-12-22", "ends_on": "2026-12-30", "reason": "chimney repair"},
    )
    assert closure.status_code == 201
    member = await login(client, "M0001")
    during = await client.get("/api/availability", params={"centre": "ifrane", **STAY}, headers=member)
    assert next(o for o in during.json() if o["unit_type"] == "bungalow")["available"] == 2
    after = await client.get(
        "/api/availability",
        params={"centre": "ifrane", "arrival": "2027-01-05", "departure": "2027-01-08", "guests": 2},
        headers=member,
    )
    assert next(o for o in after.json() if o["unit_type"] == "bungalow")["available"] == 3


async def test_a_quota_change_shows_in_availability_at_once(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    quota = await client.put(
        "/api/quotas",
        headers=staff,
        json={**SLOT, "category": "retired", "units": 2},
    )
    assert quota.status_code == 200, quota.text
    retired = await login(client, "M0005")
    offers = (
        await client.get("/api/availability", params={"centre": "ifrane", **STAY}, headers=retired)
    ).json()
    assert next(o for o in offers if o["unit_type"] == "studio")["available"] == 2
    listed = (await client.get("/api/quotas", headers=staff)).json()
    assert {**SLOT, "category": "retired", "units": 2} in listed


async def test_a_season_with_stay_rules_and_rotations_round_trips(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    body = {
        "code": "ifrane-spring-weekends",
        "name_fr": "Week-ends de printemps",
        "kind": "off_season",
        "centre": "ifrane",
        "starts_on": "2027-03-01",
        "ends_on": "2027-05-01",
        "min_nights": 2,
        "max_nights": 3,
        "arrival_weekdays": [5, 6],
        "cancellation_policy": [{"days_before": 3, "refund_bp": 10000}],
    }
    created = await client.post("/api/seasons", headers=staff, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["arrival_weekdays"] == [5, 6]
    member = await login(client, "M0001")
    monday = await client.get(
        "/api/availability",
        params={"centre": "ifrane", "arrival": "2027-03-08", "departure": "2027-03-10", "guests": 2},
        headers=member,
    )
    assert monday.status_code == 422
    assert monday.json()["code"] == "arrival_weekday"
    friday = await client.get(
        "/api/availability",
        params={"centre": "ifrane", "arrival": "2027-03-12", "departure": "2027-03-14", "guests": 2},
        headers=member,
    )
    assert friday.status_code == 200
    patched = await client.patch("/api/seasons/ifrane-spring-weekends", headers=staff, json={"max_nights": 4})
    assert patched.status_code == 200
    assert patched.json()["max_nights"] == 4


async def test_bad_configuration_is_refused_with_the_field_and_changes_nothing(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    duplicate = await client.post(
        "/api/centres", headers=staff, json={"code": "ifrane", "name_fr": "X", "name_ar": "X", "town_fr": "X"}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "code"
    bad_zone = await client.post(
        "/api/centres",
        headers=staff,
        json={"code": "nowhere", "name_fr": "X", "name_ar": "X", "town_fr": "X", "time_zone": "Mars/Olympus"},
    )
    assert bad_zone.status_code == 422
    assert bad_zone.json()["field"] == "time_zone"
    bad_capacity = await client.post(
        "/api/centres/ifrane/unit-types",
        headers=staff,
        json={"code": "x", "name_fr": "X", "name_ar": "X", "capacity": 0},
    )
    assert bad_capacity.status_code == 400
    assert "capacity" in bad_capacity.json()["detail"]
    backwards = await client.post(
        "/api/seasons",
        headers=staff,
        json={
            "code": "x",
            "name_fr": "X",
            "kind": "off_season",
            "starts_on": "2027-05-01",
            "ends_on": "2027-03-01",
        },
    )
    assert backwards.status_code == 422
    both = await client.put(
        "/api/quotas",
        headers=staff,
        json={**SLOT, "units": 2, "share_bp": 100},
    )
    assert both.status_code == 422
    negative = await client.put(
        "/api/tariffs",
        headers=staff,
        json={**SLOT, "nightly": {"amount_minor": -1, "currency": "MAD"}},
    )
    assert negative.status_code == 400
    centres = (await client.get("/api/centres")).json()
    assert sorted(c["code"] for c in centres) == ["ifrane", "mdiq", "saidia", "sidi-bouzid"]
    seasons = (await client.get("/api/seasons", headers=staff)).json()
    assert "x" not in {s["code"] for s in seasons}


async def test_members_and_managers_cannot_configure(client: AsyncTestClient[Any]) -> None:
    body = {"code": "agadir", "name_fr": "Agadir", "name_ar": "أكادير", "town_fr": "Agadir"}
    for username in ("M0001", "manager-ifrane"):
        headers = await login(client, username)
        assert (await client.post("/api/centres", headers=headers, json=body)).status_code == 403
        assert (await client.get("/api/seasons", headers=headers)).status_code == 403
