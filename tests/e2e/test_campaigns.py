"""Summer campaigns over HTTP: applications until the deadline, the committed draw, offers as holds that
the ordinary checkout pays, lapses re-offered to the next in line, the audit log and the public files."""

from __future__ import annotations

import hashlib
import io
import json
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.draw_check import main as publication
from tests.conftest import NOW, Clock, login, pay_by_payroll

Client = AsyncTestClient[Litestar]
CODE = "summer-2027"
DEADLINE = NOW + timedelta(days=7)
BUNGALOW = {"centre": "ifrane", "rotation": "r1", "unit_type": "bungalow"}  # 3 units, 6 persons
APT = {"centre": "ifrane", "rotation": "r2", "unit_type": "apt2"}


async def open_campaign(client: Client, staff: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "season": CODE,
        "applications_close_at": DEADLINE.isoformat(),
        "offer_validity_hours": 48,
        "reserved_percent": {"retired": 34},
        "centres": ["ifrane"],
        **changes,
    }
    response = await client.post("/api/campaigns", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def apply(client: Client, member: dict[str, str], *choices: dict[str, str], party: int = 4) -> Any:
    return await client.put(
        f"/api/campaigns/{CODE}/application",
        json={"choices": list(choices), "party_size": party},
        headers=member,
    )


async def drawn(client: Client, clock: Clock, names: list[str]) -> dict[str, dict[str, str]]:
    """A campaign without reservations drawn on these members' applications for the r1 bungalows: the
    headers of staff (under "staff") and of each member."""
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    members = {name: await login(client, name) for name in names}
    for headers in members.values():
        assert (await apply(client, headers, BUNGALOW)).status_code == 201
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    assert (await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)).status_code == 200
    return {"staff": staff, **members}


async def test_staff_open_a_campaign_with_units_and_reservations_from_the_inventory(client: Client) -> None:
    staff = await login(client, "staff")
    campaign = await open_campaign(client, staff)
    assert campaign["status"] == "open"
    assert [r["code"] for r in campaign["rotations"]] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    bungalow = next(
        slot for slot in campaign["slots"] if slot["rotation"] == "r1" and slot["unit_type"] == "bungalow"
    )
    assert (bungalow["units"], bungalow["reserved"], bungalow["capacity"]) == (3, {"retired": 1}, 6)
    assert {slot["centre"] for slot in campaign["slots"]} == {"ifrane"}
    assert campaign["weights"]["points_if_retired"] == 15

    again = await client.post(
        "/api/campaigns",
        json={"season": CODE, "applications_close_at": DEADLINE.isoformat()},
        headers=staff,
    )
    assert (again.status_code, again.json()["code"]) == (409, "campaign_exists")
    off = await client.post(
        "/api/campaigns",
        json={"season": "off-2026-2027", "applications_close_at": DEADLINE.isoformat()},
        headers=staff,
    )
    assert (off.status_code, off.json()["field"]) == (422, "season")

    changed = await client.patch(
        f"/api/campaigns/{CODE}", json={"weights": {"points_if_retired": 40}}, headers=staff
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["weights"]["points_if_retired"] == 40
    assert changed.json()["weights"]["points_per_family_member"] == 3


async def test_one_application_per_member_edited_until_the_deadline(client: Client, clock: Clock) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    member = await login(client, "M0001")

    first = await apply(client, member, BUNGALOW)
    assert first.status_code == 201, first.text
    public_id = first.json()["public_id"]
    assert public_id.startswith("S27-")
    assert "M0001" not in public_id

    edited = await apply(client, member, APT, BUNGALOW, party=3)
    assert edited.status_code == 200, edited.text
    assert edited.json()["public_id"] == public_id
    assert edited.json()["choices"] == [APT, BUNGALOW]
    campaign = (await client.get(f"/api/campaigns/{CODE}", headers=member)).json()
    assert campaign["applications"] == 1

    withdrawn = await client.delete(f"/api/campaigns/{CODE}/application", headers=member)
    assert withdrawn.status_code == 204
    assert (await client.get(f"/api/campaigns/{CODE}/application", headers=member)).json()["status"] == (
        "withdrawn"
    )
    back = await apply(client, member, BUNGALOW)
    assert (back.status_code, back.json()["public_id"]) == (201, public_id)

    clock.advance(days=7)  # exactly the deadline: closed
    late = await apply(client, member, APT)
    assert (late.status_code, late.json()["code"]) == (409, "applications_closed")
    too_late = await client.delete(f"/api/campaigns/{CODE}/application", headers=member)
    assert too_late.status_code == 409
    mine = (await client.get(f"/api/campaigns/{CODE}/application", headers=member)).json()
    assert (mine["status"], mine["choices"]) == ("submitted", [BUNGALOW])


async def test_bad_choices_are_named(client: Client) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    member = await login(client, "M0002")
    cases = [
        ([{**BUNGALOW, "rotation": "r9"}], 4, "unknown_rotation", "choices[0].rotation"),
        ([APT, {**BUNGALOW, "centre": "saidia"}], 4, "unknown_centre", "choices[1].centre"),
        ([{**BUNGALOW, "unit_type": "villa"}], 4, "unknown_unit_type", "choices[0].unit_type"),
        ([APT, BUNGALOW], 6, "party_too_large", "choices[0].unit_type"),
        ([BUNGALOW, APT, BUNGALOW], 2, "duplicate_choice", "choices[2]"),
        ([BUNGALOW, APT, {**APT, "rotation": "r3"}, {**APT, "rotation": "r4"}], 2, "choice_count", "choices"),
        ([], 2, "choice_count", "choices"),
    ]
    for choices, party, code, field in cases:
        response = await apply(client, member, *choices, party=party)
        assert response.status_code == 422, (code, response.text)
        assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert (await client.get(f"/api/campaigns/{CODE}/application", headers=member)).status_code == 404


async def test_access_member_staff_and_manager(client: Client) -> None:
    staff = await login(client, "staff")
    member = await login(client, "M0003")
    other = await login(client, "M0004")
    manager = await login(client, "manager-ifrane")
    body = {"season": CODE, "applications_close_at": DEADLINE.isoformat()}
    for who in (member, manager):
        assert (await client.post("/api/campaigns", json=body, headers=who)).status_code == 403
    await open_campaign(client, staff)
    assert (await client.get(f"/api/campaigns/{CODE}", headers=manager)).status_code == 200
    assert (await apply(client, manager, BUNGALOW)).status_code == 403
    assert (await apply(client, staff, BUNGALOW)).status_code == 403
    mine = (await apply(client, member, BUNGALOW)).json()["public_id"]

    by_id = f"/api/campaigns/{CODE}/applications/{mine}"
    assert (await client.get(by_id, headers=member)).status_code == 200
    assert (await client.get(by_id, headers=other)).status_code == 404
    assert (await client.get(by_id, headers=manager)).status_code == 403
    assert (await client.get(by_id, headers=staff)).json()["public_id"] == mine
    for path in ("audit", "close", "draw", "settle"):
        method = client.get if path == "audit" else client.post
        assert (await method(f"/api/campaigns/{CODE}/{path}", headers=member)).status_code == 403
        assert (await method(f"/api/campaigns/{CODE}/{path}", headers=manager)).status_code == 403
    assert (await client.get(f"/api/campaigns/{CODE}/audit", headers=staff)).status_code == 200
    early = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert (early.status_code, early.json()["code"]) == (409, "applications_still_open")
    assert (await client.get(f"/api/campaigns/{CODE}/results.csv")).status_code == 409
    assert (await client.get(f"/api/campaigns/{CODE}/audit")).status_code == 401


async def _results(client: Client, members: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, headers in members.items():
        response = await client.get(f"/api/campaigns/{CODE}/application", headers=headers)
        assert response.status_code == 200, response.text
        out[name] = response.json()
    return out


async def test_close_commit_draw_pay_one_lapse_one_and_the_next_is_offered(
    client: Client, clock: Clock, tmp_path: Path
) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    # Seven applicants for the three r1 bungalows; M0005 and M0010 are retired (one bungalow reserved).
    names = ["M0001", "M0002", "M0003", "M0004", "M0005", "M0006", "M0010"]
    members = {name: await login(client, name) for name in names}
    for headers in members.values():
        assert (await apply(client, headers, BUNGALOW)).status_code == 201

    clock.advance(days=8)
    closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    commitment, digest = closed.json()["seed_commitment"], closed.json()["applications_digest"]
    assert closed.json()["seed"] is None
    inputs = (await client.get(f"/api/campaigns/{CODE}/inputs.json")).json()
    assert (inputs["seed"], inputs["seed_commitment"], inputs["applications_digest"]) == (
        "",
        commitment,
        digest,
    )
    assert len(inputs["applications"]) == 7
    assert "M0001" not in json.dumps(inputs)
    # Nothing of the member nor of the party is published: only what the draw reads.
    assert all(set(a) == {"application_id", "category", "choices", "score"} for a in inputs["applications"])
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 409
    changed = await client.patch(f"/api/campaigns/{CODE}", json={"offer_validity_hours": 5}, headers=staff)
    assert changed.status_code == 409

    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert drawn.status_code == 200, drawn.text
    seed = bytes.fromhex(drawn.json()["seed"])
    assert hashlib.sha256(seed).hexdigest() == commitment
    assert (drawn.json()["offers"], drawn.json()["waiting"]) == (3, 4)
    assert (await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)).status_code == 409

    results = await _results(client, members)
    offered = sorted(
        (r for r in results.items() if r[1]["result"] == "offer"), key=lambda r: r[1]["position"]
    )
    waiting = sorted(
        (r for r in results.items() if r[1]["result"] == "waiting"), key=lambda r: r[1]["position"]
    )
    assert len(offered) == 3
    assert len(waiting) == 4
    # The reserved bungalow went to a retired member, whatever their score.
    assert {name for name, _r in offered} & {"M0005", "M0010"}
    deadline = NOW + timedelta(days=8, hours=48)
    for _name, result in offered:
        assert result["offer"]["status"] == "offered"
        assert result["offer"]["payment_deadline"].startswith(deadline.isoformat()[:19])
    assert [r["waiting"][0]["position"] for _n, r in waiting] == [1, 2, 3, 4]

    # The offer is a held booking on a real unit for the rotation's nights, paid by the usual checkout.
    payer, paid_result = next((n, r) for n, r in offered if n not in {"M0005", "M0010"})
    booking_id = paid_result["offer"]["booking_id"]
    booking = (await client.get(f"/api/bookings/{booking_id}", headers=members[payer])).json()
    assert (booking["status"], booking["arrival"], booking["departure"]) == (
        "held",
        "2027-07-01",
        "2027-07-11",
    )
    assert booking["unit_type"] == "bungalow"
    assert booking["guests"] == 4
    await pay_by_payroll(client, members[payer], booking_id)

    clock.advance(hours=49)
    settled = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert settled.status_code == 200, settled.text
    assert settled.json() == {"paid": 1, "lapsed": 2, "declined": 0, "cancelled": 0, "offered": 2}
    again = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert again.json() == {"paid": 0, "lapsed": 0, "declined": 0, "cancelled": 0, "offered": 0}

    after = await _results(client, members)
    assert after[payer]["offer"]["status"] == "paid"
    lapsed = [n for n, _r in offered if n != payer]
    assert all(after[n]["result"] == "lapsed" for n in lapsed)
    newly = [n for n, r in after.items() if r["result"] == "offer" and n != payer]
    assert len(newly) == 2
    for name in newly:
        assert after[name]["offer"]["status"] == "offered"
        assert after[name]["offer"]["offered_at"].startswith(clock.now.isoformat()[:19])

    audit = (await client.get(f"/api/campaigns/{CODE}/audit", headers=staff)).json()
    events = [e["event"] for e in audit]
    assert events.count("applied") == 7
    assert events.count("offered") == 5
    assert (events.count("paid"), events.count("lapsed")) == (1, 2)
    assert events.index("closed") < events.index("committed") < events.index("drawn")
    committed = next(e for e in audit if e["event"] == "committed")
    assert committed["detail"]["seed_commitment"] == commitment
    paid_event = next(e for e in audit if e["event"] == "paid")
    assert paid_event["application"] == paid_result["public_id"]

    # Anyone re-runs the draw from the published files and finds the same results.
    inputs_file, results_file = tmp_path / "inputs.json", tmp_path / "results.csv"
    inputs_file.write_text((await client.get(f"/api/campaigns/{CODE}/inputs.json")).text, encoding="utf-8")
    results_file.write_text((await client.get(f"/api/campaigns/{CODE}/results.csv")).text, encoding="utf-8")
    (tmp_path / "results.json").write_text(
        (await client.get(f"/api/campaigns/{CODE}/results.json")).text, encoding="utf-8"
    )
    for results_path in (results_file, tmp_path / "results.json"):
        printed = io.StringIO()
        with redirect_stdout(printed):
            code = publication(["verify", str(inputs_file), str(results_path)])
        assert (code, printed.getvalue().split(":")[0]) == (0, "identical")


async def test_settings_that_would_break_the_draw_are_refused_with_their_field(
    client: Client, clock: Clock
) -> None:
    staff = await login(client, "staff")
    naive = {"season": CODE, "applications_close_at": "2026-12-20T10:00:00"}
    response = await client.post("/api/campaigns", json=naive, headers=staff)
    assert response.status_code == 400, response.text
    assert "applications_close_at" in response.json()["detail"]
    await open_campaign(client, staff)
    for change, field in (
        ({"applications_close_at": "2026-12-20T10:00:00"}, "applications_close_at"),
        ({"centres": []}, "centres"),
    ):
        response = await client.patch(f"/api/campaigns/{CODE}", json=change, headers=staff)
        assert response.status_code == 400, response.text
        assert field in response.json()["detail"]

    # A slot that an application ranks cannot be withdrawn: the draw could not run on it.
    member = await login(client, "M0001")
    assert (await apply(client, member, BUNGALOW)).status_code == 201
    moved = await client.patch(f"/api/campaigns/{CODE}", json={"centres": ["saidia"]}, headers=staff)
    assert (moved.status_code, moved.json()["code"], moved.json()["field"]) == (
        409,
        "slot_applied_for",
        "centres",
    )
    campaign = (await client.get(f"/api/campaigns/{CODE}", headers=staff)).json()
    assert {slot["centre"] for slot in campaign["slots"]} == {"ifrane"}

    early = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert (early.status_code, early.json()["code"]) == (409, "not_drawn")
    unknown = await client.post("/api/campaigns/summer-1999/settle", headers=staff)
    assert unknown.status_code == 404
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert (drawn.status_code, drawn.json()["offers"]) == (200, 1)
