"""The fleet view on the pages: every gate of a centre with what it reported, a warning once it has not
synced for ten minutes, and the guards' overrides with their reasons, in French and Arabic."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import NOW, Clock, login
from tests.e2e.test_gate_fleet import _device, _stay
from tests.e2e.test_pages import page_login, switch_language


def _row(page: str, device_id: str) -> str:
    found = re.search(rf'<tr data-gate="{device_id}" data-stale="(yes|no)">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1) + found.group(2)


async def test_managers_see_their_centres_gates_and_a_warning_after_ten_minutes_without_sync(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    stay = await _stay(client, "M0001")
    north, south = await _device(client, name="Entrée nord"), await _device(client, name="Plage")
    await _device(client, "saidia", name="Saïdia")
    report = {"version": "0.1.0", "backlog": 3, "clock": NOW.replace(second=42).isoformat()}
    assert (
        await client.post("/api/access/device/report", headers=north["headers"], json=report)
    ).status_code == 200
    override = {
        "event_id": str(uuid.uuid4()),
        "pass_id": stay["pass_id"],
        "direction": "in",
        "decision": "granted",
        "reason": "override",
        "note": "téléphone cassé, pièce d'identité vue",
        "scanned_at": NOW.isoformat(),
    }
    uploaded = await client.post("/api/access/scans", headers=north["headers"], json={"events": [override]})
    assert uploaded.json()["accepted"] == 1
    await page_login(client, "manager-ifrane")
    page = (await client.get("/manage/ifrane")).text
    assert "Bornes du centre" in page
    fresh = _row(page, north["device_id"])
    assert fresh.startswith("no")
    assert "À jour" in fresh
    assert "23 nov. 2026, 10:00" in fresh  # 09:00 UTC on Ifrane's clock
    assert "<td>3</td>" in fresh
    assert "+42 s" in fresh
    assert "0.1.0" in fresh
    never = _row(page, south["device_id"])
    assert never.startswith("yes")
    assert "jamais" in never
    assert "Saïdia" not in page  # another centre's gate
    overrides = re.search(r'<table id="overrides-table">.*?</table>', page, re.S)
    assert overrides
    assert "téléphone cassé, pièce d&#39;identité vue" in overrides.group(0)
    assert "Entrée nord" in overrides.group(0)
    clock.advance(minutes=10, seconds=1)
    stale = _row((await client.get("/manage/ifrane")).text, north["device_id"])
    assert stale.startswith("yes")
    assert "Pas de synchronisation depuis plus de 10 minutes" in stale
    await switch_language(client, "ar", "/manage/ifrane")
    arabic = (await client.get("/manage/ifrane")).text
    assert "أجهزة دخول المركز" in arabic
    assert "لا مزامنة منذ أكثر من 10 دقائق" in _row(arabic, north["device_id"])


async def test_staff_see_every_centres_gates_on_the_devices_page(client: AsyncTestClient[Any]) -> None:
    ifrane, saidia = await _device(client, name="Entrée"), await _device(client, "saidia", name="Portail")
    report = {"version": "0.1.0", "backlog": 0, "clock": NOW.isoformat()}
    await client.post("/api/access/device/report", headers=saidia["headers"], json=report)
    await page_login(client, "staff")
    page = (await client.get("/staff/devices")).text
    assert _row(page, ifrane["device_id"]).startswith("yes")
    assert _row(page, saidia["device_id"]).startswith("no")
    staff = await login(client, "staff")
    assert (
        await client.post(f"/api/access/devices/{ifrane['device_id']}/revoke", headers=staff)
    ).status_code == 200
    assert f'data-gate="{ifrane["device_id"]}"' not in (await client.get("/staff/devices")).text
