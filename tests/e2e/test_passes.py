"""A confirmed stay yields a signed pass (JSON and PNG) that a gate verifies with the published keys;
cancelling revokes it."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image

from access import keys as pass_keys
from access.passformat import public_key_from_base64url, verify_pass
from kernel.settings import Settings
from tests.conftest import Clock, hold, login


async def _confirmed(
    client: AsyncTestClient[Any], username: str = "M0001"
) -> tuple[dict[str, str], dict[str, Any]]:
    member = await login(client, username)
    booking = (await hold(client, member)).json()
    checkout = (
        await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    ).json()
    await client.post(
        checkout["redirect_url"].split("?")[0] + "/confirm", headers=member, follow_redirects=False
    )
    return member, booking


async def _gate(client: AsyncTestClient[Any]) -> dict[str, str]:
    staff = await login(client, "staff")
    device = (
        await client.post("/api/access/devices", headers=staff, json={"centre": "ifrane", "name": "g"})
    ).json()
    return {"Authorization": f"Bearer {device['token']}"}


async def test_a_confirmed_booking_has_a_pass_the_gate_keys_verify(client: AsyncTestClient[Any]) -> None:
    member, booking = await _confirmed(client)
    response = await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)
    assert response.status_code == 200, response.text
    issued = response.json()
    assert issued["centre"] == "ifrane"
    assert issued["valid_from"] == "2026-12-20T13:00:00Z"  # 14:00 in Casablanca (UTC+1)
    assert issued["valid_until"] == "2026-12-24T11:00:00Z"
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json() == issued
    published = (await client.get("/api/access/keys", headers=await _gate(client))).json()["keys"]
    assert [k["alg"] for k in published] == ["Ed25519"]
    assert "private" not in str(published)
    keyring = {k["kid"]: public_key_from_base64url(k["public_key"]) for k in published}
    claims = verify_pass(issued["payload"], keyring)
    assert (str(claims.pass_id), claims.centre, claims.party_size) == (issued["pass_id"], "ifrane", 2)


async def test_the_png_decodes_to_exactly_the_payload(client: AsyncTestClient[Any]) -> None:
    member, booking = await _confirmed(client)
    payload = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()["payload"]
    png = await client.get(f"/api/bookings/{booking['id']}/pass.png", headers=member)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    decoded = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert decoded is not None
    assert decoded.text == payload


async def test_no_pass_before_payment_and_none_for_another_member(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    held = (await hold(client, member)).json()
    early = await client.get(f"/api/bookings/{held['id']}/pass", headers=member)
    assert (early.status_code, early.json()["code"]) == (409, "no_pass_yet")
    _owner, booking = await _confirmed(client, "M0002")
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).status_code == 404
    assert (await client.get(f"/api/bookings/{booking['id']}/pass.png", headers=member)).status_code == 404


async def test_cancelling_revokes_the_pass_in_the_gates_feed(client: AsyncTestClient[Any]) -> None:
    member, booking = await _confirmed(client)
    issued = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    gate = await _gate(client)
    assert (await client.get("/api/access/revocations", headers=gate)).json()["revoked"] == []
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    feed = (await client.get("/api/access/revocations", headers=gate)).json()
    assert feed["revoked"] == [issued["pass_id"]]
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).status_code == 409


async def test_a_rotated_key_is_served_to_gates_at_once_and_signs_once_they_have_had_time_to_sync(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    member, booking = await _confirmed(client)
    old = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()

    rotated = pass_keys.rotate(settings.pass_keys_path, clock())  # as `estivage keys rotate` does

    published = (await client.get("/api/access/keys", headers=await _gate(client))).json()["keys"]
    assert sorted(k["kid"] for k in published) == sorted([old["kid"], rotated.kid])
    assert next(k for k in published if k["kid"] == old["kid"])["not_after"] is not None
    keyring = {k["kid"]: public_key_from_base64url(k["public_key"]) for k in published}
    # Within the publication time a gate offline since the rotation knows only the old key: it signs.
    second_member, second = await _confirmed(client, "M0002")
    meanwhile = (await client.get(f"/api/bookings/{second['id']}/pass", headers=second_member)).json()
    assert meanwhile["kid"] == old["kid"]
    clock.advance(hours=48, minutes=1)
    third_member, third = await _confirmed(client, "M0003")
    new = (await client.get(f"/api/bookings/{third['id']}/pass", headers=third_member)).json()
    assert new["kid"] == rotated.kid
    # Both verify with what the gates hold: nobody's pass stops opening the gate.
    assert verify_pass(old["payload"], keyring).pass_id == uuid.UUID(old["pass_id"])
    assert verify_pass(new["payload"], keyring).pass_id == uuid.UUID(new["pass_id"])


async def test_a_reissued_pass_revokes_the_old_one(client: AsyncTestClient[Any]) -> None:
    member, booking = await _confirmed(client)
    old = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    new = await client.post(f"/api/bookings/{booking['id']}/pass/reissue", headers=member)
    assert new.status_code == 200
    assert new.json()["pass_id"] != old["pass_id"]
    assert (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json() == new.json()
    feed = (await client.get("/api/access/revocations", headers=await _gate(client))).json()
    assert feed["revoked"] == [old["pass_id"]]


async def test_a_pass_signed_by_a_retired_key_is_replaced_when_the_member_opens_it(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    member, booking = await _confirmed(client)
    stolen = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    replacement = pass_keys.rotate(settings.pass_keys_path, clock(), publish_ahead=timedelta(0))
    pass_keys.retire(settings.pass_keys_path, stolen["kid"], clock())

    gate = await _gate(client)
    published = (await client.get("/api/access/keys", headers=gate)).json()["keys"]
    assert [k["kid"] for k in published] == [replacement.kid]  # gates drop the key at their next sync
    fresh = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()

    assert fresh["pass_id"] != stolen["pass_id"]
    assert fresh["kid"] == replacement.kid
    keyring = {k["kid"]: public_key_from_base64url(k["public_key"]) for k in published}
    assert verify_pass(fresh["payload"], keyring).pass_id == uuid.UUID(fresh["pass_id"])
    feed = (await client.get("/api/access/revocations", headers=gate)).json()
    assert stolen["pass_id"] in feed["revoked"]
    again = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    assert again["pass_id"] == fresh["pass_id"]  # issued once, not at every look
