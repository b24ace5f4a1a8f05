"""A member's own data (law 09-08): everything held about them, as one JSON download; their phone,
language and e-mail are theirs to change, a new e-mail only once a code sent to it comes back."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import NOW, Clock, login
from tests.e2e.test_gate_fleet import _device, _scan, _stay
from tests.e2e.test_party import CHILD, SPOUSE
from tests.support.smtp import deliver, later


async def code_mails(settings: Settings, address: str) -> list[email.message.EmailMessage]:
    """The messages sent to ``address``, once the outbox's sender has written them as ``.eml`` files."""
    await deliver(settings, later(NOW, days=365))
    found = []
    for path in sorted(settings.mail_outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)  # type: ignore[arg-type]
    return found


def code_in(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found, "the message carries the code"
    return found.group(1)


async def test_the_download_holds_everything_about_the_member_and_nothing_secret(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    stay = await _stay(client, "M0002", unit_type="apt2", guests=3, party=[SPOUSE, CHILD])
    gate = await _device(client)
    scanned = await client.post(
        "/api/access/scans", headers=gate["headers"], json={"events": [_scan(stay["pass_id"])]}
    )
    assert scanned.json()["accepted"] == 1
    await client.post(f"/api/access/passes/{stay['pass_id']}/revoke", headers=staff, json={})
    member = stay["member"]

    response = await client.get("/api/me/data", headers=member)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="estivage-M0002-20261123.json"'
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["username"] == "M0002"
    assert data["member"]["member_number"] == "M0002"
    assert data["member"]["email"] == "m0002@members.estivage.example"
    [booking] = data["bookings"]
    assert booking["id"] == stay["booking_id"]
    assert booking["centre"] == "ifrane"
    assert [p["name"] for p in booking["party"]] == ["Fatima Zahra Alaoui", "Yassine"]
    [payment] = data["payments"]
    assert payment["status"] == "succeeded"
    assert "client_secret" not in payment
    assert [p["id"] for p in data["passes"]] == [stay["pass_id"]]
    [scan] = data["gate_scans"]
    assert (scan["pass_id"], scan["direction"], scan["decision"], scan["centre"]) == (
        stay["pass_id"],
        "in",
        "granted",
        "ifrane",
    )
    assert [a["kind"] for a in data["staff_actions"]] == ["pass.revoked"]
    for key in ("ratings", "reminders", "summer_applications", "instalments", "refunds", "email_changes"):
        assert key in data
    text = response.text
    assert "password_hash" not in text
    assert "$argon2" not in text

    other = (await client.get("/api/me/data", headers=await login(client, "M0003"))).json()
    assert other["bookings"] == []
    assert other["gate_scans"] == []
    assert (await client.get("/api/me/data", headers=staff)).status_code == 403


async def test_a_member_changes_phone_and_language_at_once(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0004")
    changed = await client.patch(
        "/api/me/contact", headers=member, json={"phone": "+212 6 61-23 45 67", "language": "ar"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "+212661234567"
    assert changed.json()["language"] == "ar"
    assert (await client.get("/api/me", headers=member)).json()["preferred_language"] == "ar"
    bad = await client.patch("/api/me/contact", headers=member, json={"phone": "12"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_phone"


async def test_a_new_email_replaces_the_old_only_once_its_code_comes_back(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0004")
    started = await client.post("/api/me/email", headers=member, json={"email": "Amina.New@Example.ORG"})
    assert started.status_code == 202, started.text
    assert started.json()["email"] == "m0004@members.estivage.example"
    assert started.json()["pending_email"] == "Amina.New@example.org"
    assert started.json()["pending_until"] == "2026-11-23T09:15:00Z"
    [message] = await code_mails(settings, "Amina.New@example.org")
    assert await code_mails(settings, "m0004@members.estivage.example") == []
    code = code_in(message)

    wrong = await client.post(
        "/api/me/email/confirm", headers=member, json={"code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_code"
    assert wrong.json()["params"] == {"attempts_left": 4}
    confirmed = await client.post("/api/me/email/confirm", headers=member, json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == "Amina.New@example.org"
    assert confirmed.json()["pending_email"] is None
    assert (await client.get("/api/me/data", headers=member)).json()["member"][
        "email"
    ] == "Amina.New@example.org"
    used = await client.post("/api/me/email/confirm", headers=member, json={"code": code})
    assert used.status_code == 400
    assert used.json()["code"] == "code_expired"


async def test_a_code_dies_after_five_wrong_tries_or_fifteen_minutes(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    member = await login(client, "M0006")
    await client.post("/api/me/email", headers=member, json={"email": "first@example.org"})
    code = code_in((await code_mails(settings, "first@example.org"))[0])
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        response = await client.post("/api/me/email/confirm", headers=member, json={"code": wrong})
        assert response.json()["params"] == {"attempts_left": left}
    dead = await client.post("/api/me/email/confirm", headers=member, json={"code": code})
    assert dead.status_code == 400
    assert dead.json()["code"] == "code_expired"

    await client.post("/api/me/email", headers=member, json={"email": "second@example.org"})
    code = code_in((await code_mails(settings, "second@example.org"))[0])
    clock.advance(minutes=15)
    late = await client.post("/api/me/email/confirm", headers=member, json={"code": code})
    assert late.status_code == 400
    contact = (await client.get("/api/me/contact", headers=member)).json()
    assert contact["email"] == "m0006@members.estivage.example"


async def test_a_new_request_supersedes_the_last_and_codes_are_rationed(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0008")
    for n in range(5):
        assert (
            await client.post("/api/me/email", headers=member, json={"email": f"try{n}@example.org"})
        ).status_code == 202
    first = code_in((await code_mails(settings, "try0@example.org"))[0])
    last = code_in((await code_mails(settings, "try4@example.org"))[0])
    if first != last:
        stale = await client.post("/api/me/email/confirm", headers=member, json={"code": first})
        assert stale.status_code == 400
    sixth = await client.post("/api/me/email", headers=member, json={"email": "try5@example.org"})
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "too_many_codes"
    assert (await client.post("/api/me/email/confirm", headers=member, json={"code": last})).json()[
        "email"
    ] == "try4@example.org"
    same = await client.post("/api/me/email", headers=member, json={"email": "TRY4@example.org"})
    assert same.status_code == 422


async def test_bad_addresses_and_other_roles_are_refused(client: AsyncTestClient[Any]) -> None:
    member = await login(client, "M0001")
    bad = await client.post("/api/me/email", headers=member, json={"email": "nobody@nowhere.invalid"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_email"
    assert bad.json()["field"] == "email"
    staff = await login(client, "staff")
    assert (await client.get("/api/me/contact", headers=staff)).status_code == 403
    manager = await login(client, "manager-ifrane")
    assert (await client.get("/api/me/data", headers=manager)).status_code == 403
