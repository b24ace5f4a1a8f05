"""A member searches a stay and sees what is free at their own tariff; bad dates get clear problems."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import Clock, login


async def _search(client: AsyncTestClient[Any], headers: dict[str, str], **params: Any) -> Any:
    return await client.get("/api/availability", params=params, headers=headers)


async def test_anyone_lists_the_four_demo_centres_with_their_units(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/centres")
    assert response.status_code == 200
    centres = {c["code"]: c for c in response.json()}
    assert set(centres) == {"ifrane", "sidi-bouzid", "saidia", "mdiq"}
    ifrane = {t["code"]: t for t in centres["ifrane"]["unit_types"]}
    assert ifrane["bungalow"] == {**ifrane["bungalow"], "capacity": 6, "units": 3}


async def test_centre_names_follow_the_callers_language(client: AsyncTestClient[Any]) -> None:
    arabic = await client.get("/api/centres", headers={"Accept-Language": "ar-MA"})
    ifrane = next(c for c in arabic.json() if c["code"] == "ifrane")
    assert ifrane["name"] == "الأرز"


async def test_an_active_member_sees_every_type_that_fits_at_the_active_tariff(
    client: AsyncTestClient[Any],
) -> None:
    headers = await login(client, "M0001")
    response = await _search(
        client, headers, centre="ifrane", arrival="2026-12-20", departure="2026-12-24", guests=2
    )
    assert response.status_code == 200
    offers = {o["unit_type"]: o for o in response.json()}
    assert set(offers) == {"studio", "apt2", "bungalow"}
    assert offers["studio"]["available"] == 12
    assert offers["studio"]["nights"] == 4
    assert offers["studio"]["subtotal"] == {"amount_minor": 4 * 25000, "currency": "MAD"}
    # The demo's automatic winter promotion at Ifrane takes 15% off stays of three nights or more.
    assert offers["studio"]["promotion"]["name"] == "Hiver à Ifrane -15%"
    assert offers["studio"]["price"] == {"amount_minor": 4 * 25000 * 85 // 100, "currency": "MAD"}


async def test_a_retired_member_pays_the_social_tariff_and_is_bounded_by_the_quota(
    client: AsyncTestClient[Any],
) -> None:
    headers = await login(client, "M0005")
    response = await _search(
        client, headers, centre="ifrane", arrival="2026-12-20", departure="2026-12-24", guests=2
    )
    offers = {o["unit_type"]: o for o in response.json()}
    assert offers["studio"]["subtotal"]["amount_minor"] == 4 * 20000  # 80% of the active tariff
    # Off-season, retired members may take half of a type: 12 studios -> 6, 3 bungalows -> 1.
    assert offers["studio"]["available"] == 6
    assert offers["bungalow"]["available"] == 1


async def test_a_promotion_code_prices_the_search_or_says_why_it_does_not_apply(
    client: AsyncTestClient[Any],
) -> None:
    headers = await login(client, "M0002")
    stay = {"centre": "saidia", "arrival": "2026-12-20", "departure": "2026-12-24", "guests": 2}
    plain = {o["unit_type"]: o for o in (await _search(client, headers, **stay)).json()}
    coded = {
        o["unit_type"]: o for o in (await _search(client, headers, **stay, promo_code="SAIDIA10")).json()
    }
    assert set(coded) == set(plain)
    for unit_type, offer in coded.items():
        assert offer["promotion"]["name"] == "Code Saïdia -10%"
        assert offer["price"]["amount_minor"] < plain[unit_type]["price"]["amount_minor"]
        assert offer["promo_code_refused"] is None
    unknown = (await _search(client, headers, **stay, promo_code="NOPE")).json()
    assert {o["promo_code_refused"]["params"].get("reason") for o in unknown} == {"unknown"}
    assert [o["price"] for o in unknown] == [plain[o["unit_type"]]["price"] for o in unknown]
    elsewhere = (await _search(client, headers, **{**stay, "centre": "ifrane"}, promo_code="SAIDIA10")).json()
    assert {o["promo_code_refused"]["params"].get("reason") for o in elsewhere} == {"centre"}
    bad = await _search(client, headers, **stay, promo_code="no spaces!")
    assert bad.status_code == 400


async def test_a_large_party_only_sees_types_that_can_hold_it(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "M0001")
    response = await _search(
        client, headers, centre="ifrane", arrival="2026-12-20", departure="2026-12-24", guests=6
    )
    assert [o["unit_type"] for o in response.json()] == ["bungalow"]


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"arrival": "2026-12-24", "departure": "2026-12-20"}, 422, "invalid_dates", "departure"),
        ({"arrival": "2026-11-01", "departure": "2026-11-04"}, 422, "arrival_in_past", "arrival"),
        ({"arrival": "2026-12-20", "departure": "2026-12-21"}, 422, "stay_too_short", "departure"),
        ({"arrival": "2026-12-01", "departure": "2026-12-20"}, 422, "stay_too_long", "departure"),
        ({"arrival": "2027-07-11", "departure": "2027-07-21"}, 422, "summer_by_application", "arrival"),
        ({"arrival": "2029-12-20", "departure": "2029-12-24"}, 422, "arrival_too_far", "arrival"),
        ({"arrival": "2026-12-32", "departure": "2026-12-24"}, 400, "invalid_input", None),
        ({"arrival": "2026-12-20", "departure": "2026-12-24", "guests": 0}, 400, "invalid_input", None),
    ],
)
async def test_bad_dates_get_a_problem_that_names_the_field(
    client: AsyncTestClient[Any], params: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    headers = await login(client, "M0001")
    response = await _search(client, headers, centre="ifrane", **{"guests": 2, **params})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert {"type", "title", "status", "detail"} <= set(problem)
    if field:
        assert problem["field"] == field
    else:
        assert next(iter(params)) in problem["detail"] or "guests" in problem["detail"]


async def test_a_closed_centre_is_a_clear_422(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "M0001")
    response = await _search(
        client, headers, centre="mdiq", arrival="2026-12-20", departure="2026-12-24", guests=2
    )
    assert response.status_code == 422
    assert response.json()["code"] == "centre_closed"


async def test_an_unknown_centre_is_404(client: AsyncTestClient[Any]) -> None:
    headers = await login(client, "M0001")
    response = await _search(client, headers, centre="agadir", arrival="2026-12-20", departure="2026-12-24")
    assert response.status_code == 404
    assert response.json()["code"] == "centre_not_found"


async def test_only_members_search_availability(client: AsyncTestClient[Any]) -> None:
    params = {"centre": "ifrane", "arrival": "2026-12-20", "departure": "2026-12-24"}
    assert (await client.get("/api/availability", params=params)).status_code == 401
    staff = await login(client, "staff")
    for_nobody = await client.get("/api/availability", params=params, headers=staff)
    assert (for_nobody.status_code, for_nobody.json()["code"]) == (422, "member_required")  # staff name one


async def test_a_stay_asked_again_the_day_after_its_arrival_is_refused(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    """The same stay asked again on the same configuration is answered from what was worked out for
    it (inventory.services): that answer belongs to the day it was asked."""
    headers = await login(client, "M0001")
    stay = {"centre": "ifrane", "arrival": "2026-11-24", "departure": "2026-11-27", "guests": 2}
    for _ in range(2):
        first = await _search(client, headers, **stay)
        assert first.status_code == 200, first.text
        assert first.json()
    clock.advance(days=2)
    again = await _search(client, headers, **stay)
    assert again.status_code == 422, again.text
    assert again.json()["code"] == "arrival_in_past"
