"""Gate devices: enrolment by staff, device tokens, idempotent scan uploads, the revocation feed."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import NOW, login
from tests.e2e.test_gate_fleet import _stay


async def _pass_id(client: AsyncTestClient[Any], username: str) -> str:
    return str((await _stay(client, username))["pass_id"])


async def _device(client: AsyncTestClient[Any], centre: str = "ifrane") -> tuple[str, dict[str, str]]:
    staff = await login(client, "staff")
    created = await client.post(
        "/api/access/devices", headers=staff, json={"centre": centre, "name": "Entrée nord"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return body["device_id"], {"Authorization": f"Bearer {body['token']}"}


def _scan(pass_id: str, direction: str, minutes: int = 0, decision: str = "granted") -> dict[str, str]:
    return {
        "event_id": str(uuid.uuid4()),
        "pass_id": pass_id,
        "direction": direction,
        "decision": decision,
        "reason": "ok" if decision == "granted" else "already_inside",
        "scanned_at": NOW.replace(minute=minutes).isoformat(),
    }


async def test_staff_enrol_a_device_whose_token_opens_only_the_gate_endpoints(
    client: AsyncTestClient[Any],
) -> None:
    device_id, gate = await _device(client)
    assert (await client.get("/api/access/revocations", headers=gate)).json() == {"revoked": [], "cursor": 0}
    assert (await client.get("/api/me", headers=gate)).status_code == 401
    assert (await client.get("/api/bookings", headers=gate)).status_code == 401
    member = await login(client, "M0001")
    assert (await client.get("/api/access/revocations", headers=member)).status_code == 401
    assert (await client.get("/api/access/revocations")).status_code == 401
    listed = (await client.get("/api/access/devices", headers=await login(client, "staff"))).json()
    assert [(d["device_id"], d["centre"]) for d in listed] == [(device_id, "ifrane")]
    assert "token" not in listed[0]


async def test_a_revoked_device_token_stops_working(client: AsyncTestClient[Any]) -> None:
    device_id, gate = await _device(client)
    staff = await login(client, "staff")
    revoked = await client.post(f"/api/access/devices/{device_id}/revoke", headers=staff)
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/access/revocations", headers=gate)).status_code == 401
    forged = {"Authorization": gate["Authorization"][:-3] + "abc"}
    assert (await client.get("/api/access/revocations", headers=forged)).status_code == 401


async def test_only_staff_enrol_devices_and_bad_input_is_refused(client: AsyncTestClient[Any]) -> None:
    body = {"centre": "ifrane", "name": "x"}
    for username in ("M0001", "manager-ifrane"):
        assert (
            await client.post("/api/access/devices", json=body, headers=await login(client, username))
        ).status_code == 403
    staff = await login(client, "staff")
    assert (
        await client.post("/api/access/devices", json={"centre": "agadir", "name": "x"}, headers=staff)
    ).status_code == 404
    assert (
        await client.post("/api/access/devices", json={"centre": "ifrane"}, headers=staff)
    ).status_code == 400


async def test_scans_are_stored_once_by_event_id_and_show_who_is_on_site(
    client: AsyncTestClient[Any],
) -> None:
    _device_id, gate = await _device(client)
    family, couple = await _pass_id(client, "M0001"), await _pass_id(client, "M0002")
    batch = [
        _scan(family, "in", 1),
        _scan(family, "in", 2),
        _scan(family, "out", 3),
        _scan(couple, "in", 4),
        _scan(couple, "in", 5, decision="denied"),
    ]
    first = await client.post("/api/access/scans", headers=gate, json={"events": batch})
    assert first.json() == {"accepted": 5, "duplicates": 0}
    replay = await client.post("/api/access/scans", headers=gate, json={"events": [*batch, batch[0]]})
    assert replay.json() == {"accepted": 0, "duplicates": 6}
    manager = await login(client, "manager-ifrane")
    occupancy = await client.get(
        "/api/centres/ifrane/occupancy", params={"from": "2026-11-23", "to": "2026-11-23"}, headers=manager
    )
    assert occupancy.json()["on_site_now"] == 2  # one of the family and one of the couple
    bad = await client.post(
        "/api/access/scans", headers=gate, json={"events": [{**batch[0], "direction": "up"}]}
    )
    assert bad.status_code == 400


async def test_the_revocation_feed_moves_by_cursor(client: AsyncTestClient[Any]) -> None:
    _device_id, gate = await _device(client)
    staff = await login(client, "staff")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for pass_id in (first, second, first):
        assert (
            await client.post(f"/api/access/passes/{pass_id}/revoke", headers=staff, json={})
        ).status_code == 200
    everything = (await client.get("/api/access/revocations", headers=gate)).json()
    assert everything["revoked"] == [first, second]
    after_first = (
        await client.get("/api/access/revocations", params={"since": everything["cursor"] - 1}, headers=gate)
    ).json()
    assert after_first == {"revoked": [second], "cursor": everything["cursor"]}
    nothing_new = (
        await client.get("/api/access/revocations", params={"since": everything["cursor"]}, headers=gate)
    ).json()
    assert nothing_new == {"revoked": [], "cursor": everything["cursor"]}


async def test_a_gate_learns_its_centre_and_time_zone_from_its_token(client: AsyncTestClient[Any]) -> None:
    device_id, gate = await _device(client, "saidia")
    me = (await client.get("/api/access/device", headers=gate)).json()
    assert {k: v for k, v in me.items() if k != "peer_keys"} == {
        "device_id": device_id,
        "centre": "saidia",
        "name": "Entrée nord",
        "time_zone": "Africa/Casablanca",
    }
    assert (await client.get("/api/access/device", headers=await login(client, "staff"))).status_code == 401


async def test_a_refused_code_that_is_no_pass_is_recorded_without_a_pass_id(
    client: AsyncTestClient[Any],
) -> None:
    _device_id, gate = await _device(client)
    forgery = {
        **_scan(str(uuid.uuid4()), "in", decision="denied"),
        "pass_id": None,
        "reason": "bad_signature",
    }
    stored = await client.post("/api/access/scans", headers=gate, json={"events": [forgery]})
    assert stored.json() == {"accepted": 1, "duplicates": 0}
    granted_without_pass = {**_scan(str(uuid.uuid4()), "in"), "pass_id": None}
    refused = await client.post("/api/access/scans", headers=gate, json={"events": [granted_without_pass]})
    assert refused.status_code == 422
    assert refused.json()["code"] == "pass_id_required"
    replay = await client.post("/api/access/scans", headers=gate, json={"events": [forgery]})
    assert replay.json() == {"accepted": 0, "duplicates": 1}
