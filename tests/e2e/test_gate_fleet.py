"""What the server does for gates that act as one: uploads a device may make (its own centre's passes,
plausible times), the per-centre scan feed, the roster of the coming days, the peers' keys, the gates'
reports and presence per booking across a reissue (with reissues limited and logged)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from access.passformat import booking_code
from tests.conftest import NOW, Clock, hold, login

# The demo stay (tests.conftest.STAY) runs 20 to 24 December 2026 at Ifrane.
DURING_STAY = datetime.fromisoformat("2026-12-21T10:00:00+01:00")


async def _device(
    client: AsyncTestClient[Any], centre: str = "ifrane", name: str = "Entrée"
) -> dict[str, Any]:
    staff = await login(client, "staff")
    created = await client.post("/api/access/devices", headers=staff, json={"centre": centre, "name": name})
    assert created.status_code == 201, created.text
    body = created.json()
    return {**body, "headers": {"Authorization": f"Bearer {body['token']}"}}


async def _stay(client: AsyncTestClient[Any], username: str, **stay: Any) -> dict[str, Any]:
    """A member's stay, booked and paid (test mode), with its pass and the member's headers."""
    member = await login(client, username)
    booking = (await hold(client, member, **stay)).json()
    checkout = (
        await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    ).json()
    await client.post(
        checkout["redirect_url"].split("?")[0] + "/confirm", headers=member, follow_redirects=False
    )
    issued = await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)
    assert issued.status_code == 200, issued.text
    return {"booking_id": booking["id"], "member": member, **issued.json()}


def _scan(pass_id: str | None, direction: str = "in", at: datetime = NOW, **more: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "pass_id": pass_id,
        "direction": direction,
        "decision": "granted",
        "reason": "ok",
        "scanned_at": at.isoformat(),
        **more,
    }


async def _on_site(client: AsyncTestClient[Any], centre: str = "ifrane") -> int:
    manager = await login(client, f"manager-{centre}")
    day = {"from": "2026-11-23", "to": "2026-11-23"}
    occupancy = await client.get(f"/api/centres/{centre}/occupancy", params=day, headers=manager)
    assert occupancy.status_code == 200, occupancy.text
    return int(occupancy.json()["on_site_now"])


async def test_a_device_uploads_only_its_own_centres_passes_at_times_a_clock_could_give(
    client: AsyncTestClient[Any],
) -> None:
    ifrane = await _stay(client, "M0001")
    saidia_gate = await _device(client, "saidia")
    ifrane_gate = await _device(client, "ifrane")
    foreign = _scan(ifrane["pass_id"])
    far_future = _scan(ifrane["pass_id"], at=datetime.fromisoformat("9999-12-31T23:00:00+00:00"))
    long_ago = _scan(ifrane["pass_id"], at=NOW - timedelta(days=365))
    unknown = _scan(str(uuid.uuid4()))
    sent = await client.post("/api/access/scans", headers=saidia_gate["headers"], json={"events": [foreign]})
    assert sent.json() == {
        "accepted": 0,
        "duplicates": 0,
        "refused": [{"event_id": foreign["event_id"], "code": "wrong_centre"}],
    }
    good = _scan(ifrane["pass_id"])
    mixed = await client.post(
        "/api/access/scans",
        headers=ifrane_gate["headers"],
        json={"events": [far_future, good, long_ago, unknown]},
    )
    assert mixed.status_code == 200, mixed.text
    assert mixed.json()["accepted"] == 1
    assert {r["event_id"]: r["code"] for r in mixed.json()["refused"]} == {
        far_future["event_id"]: "implausible_time",
        long_ago["event_id"]: "implausible_time",
        unknown["event_id"]: "unknown_pass",
    }
    # Refused events were never stored: sent again, they are refused again, not duplicates.
    again = await client.post("/api/access/scans", headers=saidia_gate["headers"], json={"events": [foreign]})
    assert again.json()["refused"] == [{"event_id": foreign["event_id"], "code": "wrong_centre"}]
    assert await _on_site(client, "ifrane") == 1  # the good scan only
    assert await _on_site(client, "saidia") == 0


async def test_a_scan_without_an_offset_is_a_422_that_names_the_event(client: AsyncTestClient[Any]) -> None:
    stay = await _stay(client, "M0001")
    gate = await _device(client)
    naive = {**_scan(stay["pass_id"]), "scanned_at": "2026-11-23T10:00:00"}
    answer = await client.post(
        "/api/access/scans",
        headers=gate["headers"],
        json={"events": [_scan(None, decision="denied", reason="malformed"), naive]},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert (answer.json()["code"], answer.json()["field"]) == (
        "instant_without_offset",
        "events[1].scanned_at",
    )


async def test_a_reissued_pass_continues_its_predecessors_count_and_reissues_are_limited_and_logged(
    client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    stay = await _stay(client, "M0001")
    gate = await _device(client)
    first = stay["pass_id"]
    entered = await client.post("/api/access/scans", headers=gate["headers"], json={"events": [_scan(first)]})
    assert entered.json()["accepted"] == 1
    url = f"/api/bookings/{stay['booking_id']}/pass/reissue"
    with caplog.at_level(logging.INFO, logger="estivage.access"):
        reissued = [await client.post(url, headers=stay["member"]) for _ in range(4)]
    assert [r.status_code for r in reissued] == [200, 200, 200, 429]
    assert reissued[3].json()["code"] == "too_many_reissues"
    assert caplog.text.count("pass reissued") == 3
    latest = reissued[2].json()
    assert latest["booking_code"] == booking_code(uuid.UUID(stay["booking_id"])) == stay["booking_code"]
    # The holder went in on the first pass and comes out on the latest: nobody of the party is inside.
    left = await client.post(
        "/api/access/scans", headers=gate["headers"], json={"events": [_scan(latest["pass_id"], "out")]}
    )
    assert left.json()["accepted"] == 1
    assert await _on_site(client) == 0


async def test_the_scan_feed_brings_a_gate_the_other_gates_events_of_its_centre_by_cursor(
    client: AsyncTestClient[Any],
) -> None:
    stay = await _stay(client, "M0001")
    north, south, saidia = (
        await _device(client, name="Nord"),
        await _device(client, name="Sud"),
        await _device(client, "saidia"),
    )
    scan = _scan(stay["pass_id"], ordered_at="2026-11-23T09:00:00.250+00:00")
    assert (await client.post("/api/access/scans", headers=north["headers"], json={"events": [scan]})).json()[
        "accepted"
    ] == 1
    fed = (await client.get("/api/access/scan-feed", headers=south["headers"])).json()
    [event] = fed["events"]
    assert event["event_id"] == scan["event_id"]
    assert (event["device_id"], event["booking_id"], event["direction"]) == (
        north["device_id"],
        stay["booking_id"],
        "in",
    )
    assert event["ordered_at"] == "2026-11-23T09:00:00.250000Z"
    after = await client.get(
        "/api/access/scan-feed", params={"since": fed["cursor"]}, headers=south["headers"]
    )
    assert after.json() == {"events": [], "cursor": fed["cursor"]}
    own = (await client.get("/api/access/scan-feed", headers=north["headers"])).json()
    assert own == {"events": [], "cursor": fed["cursor"]}  # its own events: the cursor moves past them
    assert (await client.get("/api/access/scan-feed", headers=saidia["headers"])).json()["events"] == []
    member = await login(client, "M0001")
    assert (await client.get("/api/access/scan-feed", headers=member)).status_code == 401


async def test_the_roster_holds_the_coming_days_stays_and_drops_them_after_departure(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    stay = await _stay(client, "M0001")
    gate = await _device(client)
    assert (await client.get("/api/access/roster", headers=gate["headers"])).json()[
        "stays"
    ] == []  # a month ahead
    clock.now = datetime.fromisoformat("2026-12-18T09:00:00+00:00")
    roster = (await client.get("/api/access/roster", headers=gate["headers"])).json()
    [entry] = roster["stays"]
    assert entry["booking_id"] == stay["booking_id"]
    assert entry["code"] == stay["booking_code"]
    assert (entry["pass_id"], entry["pass_ids"]) == (stay["pass_id"], [stay["pass_id"]])
    assert (entry["party_size"], entry["valid_from"], entry["valid_until"]) == (
        2,
        "2026-12-20T13:00:00Z",
        "2026-12-24T11:00:00Z",
    )
    assert entry["holder"]
    assert entry["holder_ar"]
    assert entry["unit"]
    saidia = await _device(client, "saidia")
    assert (await client.get("/api/access/roster", headers=saidia["headers"])).json()["stays"] == []
    clock.now = datetime.fromisoformat("2026-12-25T09:00:00+00:00")
    assert (await client.get("/api/access/roster", headers=gate["headers"])).json()["stays"] == []


async def test_gates_of_one_centre_share_a_key_that_changes_when_one_is_revoked(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    north, south, saidia = (
        await _device(client, name="Nord"),
        await _device(client, name="Sud"),
        await _device(client, "saidia"),
    )

    async def keys(gate: dict[str, Any]) -> list[dict[str, str]]:
        return list((await client.get("/api/access/device", headers=gate["headers"])).json()["peer_keys"])

    shared = await keys(north)
    assert len(shared) == 1
    assert len(shared[0]["key"]) == 43
    assert await keys(south) == shared
    assert (await keys(saidia))[0]["key"] != shared[0]["key"]
    staff = await login(client, "staff")
    assert (
        await client.post(f"/api/access/devices/{south['device_id']}/revoke", headers=staff)
    ).status_code == 200
    rotated = await keys(north)
    assert [k["key"] for k in rotated][1:] == [shared[0]["key"]]  # the old one still, for an hour
    assert rotated[0]["key"] != shared[0]["key"]
    clock.advance(hours=1, minutes=1)
    assert await keys(north) == rotated[:1]


async def test_a_gate_reports_itself_and_staff_see_it_go_stale_after_ten_minutes(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    gate = await _device(client)
    ahead = (NOW + timedelta(seconds=90)).isoformat()
    report = await client.post(
        "/api/access/device/report",
        headers=gate["headers"],
        json={"version": "0.1.0", "backlog": 7, "clock": ahead},
    )
    assert report.json() == {"server_time": "2026-11-23T09:00:00Z", "clock_offset_seconds": 90.0}
    naive = await client.post(
        "/api/access/device/report",
        headers=gate["headers"],
        json={"version": "0.1.0", "backlog": 0, "clock": "2026-11-23T10:00:00"},
    )
    assert naive.status_code == 400
    staff = await login(client, "staff")
    [device] = (await client.get("/api/access/devices", headers=staff)).json()
    assert (device["version"], device["backlog"], device["clock_offset_seconds"], device["stale"]) == (
        "0.1.0",
        7,
        90.0,
        False,
    )
    assert device["last_sync_at"] == "2026-11-23T09:00:00Z"
    clock.advance(minutes=10, seconds=1)
    [device] = (await client.get("/api/access/devices", headers=staff)).json()
    assert device["stale"] is True
