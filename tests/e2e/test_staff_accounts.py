"""Staff accounts (issue 16.3, 15.9): head office creates managers and staff (who activate themselves by
a code sent by mail), changes their roles and centres and disables them; a change holds on the account's
very next request, not at its next login. In the API and in the pages, in both languages."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import PASSWORD, login
from tests.e2e.test_my_data import code_in, code_mails
from tests.e2e.test_pages import csrf_of, flashed_once, page_login, post_form

NEW_PASSWORD = "a long new password"
OCCUPANCY = "/api/centres/{}/occupancy?from=2026-12-20&to=2026-12-21"


async def _create(client: AsyncTestClient[Any], staff: dict[str, str], **fields: Any) -> Any:
    body = {
        "username": "nadia",
        "role": "manager",
        "email": "nadia@example.org",
        "centres": ["mdiq"],
        **fields,
    }
    return await client.post("/api/users", json=body, headers=staff)


async def test_a_new_manager_activates_by_the_code_mailed_and_sees_their_centre(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    staff = await login(client, "staff")
    created = await _create(client, staff)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "username": "nadia",
        "role": "manager",
        "email": "nadia@example.org",
        "display_name": "",
        "centres": ["mdiq"],
        "disabled": False,
        "activated": False,
    }
    # No password yet: nothing logs in.
    refused = await client.post("/api/auth/token", json={"username": "nadia", "password": ""})
    assert refused.status_code == 401
    [message] = await code_mails(settings, "nadia@example.org")
    assert "activ" in str(message["Subject"]).lower()
    activated = await client.post(
        "/api/auth/activate", json={"username": "nadia", "code": code_in(message), "password": NEW_PASSWORD}
    )
    assert activated.status_code == 200, activated.text
    manager = {"Authorization": f"Bearer {activated.json()['access_token']}"}
    assert (await client.get(OCCUPANCY.format("mdiq"), headers=manager)).status_code == 200
    assert (await client.get(OCCUPANCY.format("ifrane"), headers=manager)).status_code == 403
    assert (await login(client, "nadia", NEW_PASSWORD))["Authorization"].startswith("Bearer ")


async def test_a_manager_removed_from_a_centre_is_refused_it_on_the_very_next_request(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    manager = await login(client, "manager-saidia")
    assert (await client.get(OCCUPANCY.format("saidia"), headers=manager)).status_code == 200
    moved = await client.patch("/api/users/manager-saidia", json={"centres": ["mdiq"]}, headers=staff)
    assert moved.status_code == 200, moved.text
    assert moved.json()["centres"] == ["mdiq"]
    # The same token, not a new login.
    assert (await client.get(OCCUPANCY.format("saidia"), headers=manager)).status_code == 403
    assert (await client.get(OCCUPANCY.format("mdiq"), headers=manager)).status_code == 200
    assert (await client.get("/api/me", headers=manager)).json()["centres"] == ["mdiq"]
    promoted = await client.patch("/api/users/manager-saidia", json={"role": "staff"}, headers=staff)
    assert promoted.json()["centres"] == []
    assert (await client.get("/api/audit", headers=manager)).status_code == 200


async def test_a_disabled_account_is_refused_at_once_and_cannot_log_in_again(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    manager_login = await client.post(
        "/api/auth/token", json={"username": "manager-ifrane", "password": PASSWORD}
    )
    tokens = manager_login.json()
    manager = {"Authorization": f"Bearer {tokens['access_token']}"}
    disabled = await client.patch("/api/users/manager-ifrane", json={"disabled": True}, headers=staff)
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    assert (await client.get("/api/me", headers=manager)).status_code == 401
    again = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    relogin = await client.post("/api/auth/token", json={"username": "manager-ifrane", "password": PASSWORD})
    assert relogin.status_code == 401
    enabled = await client.patch("/api/users/manager-ifrane", json={"disabled": False}, headers=staff)
    assert enabled.json()["disabled"] is False
    assert (await client.get("/api/me", headers=manager)).status_code == 401  # the old sessions stay ended
    assert (await login(client, "manager-ifrane"))["Authorization"]


async def test_the_audit_log_says_who_created_and_changed_an_account(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    await _create(client, staff)
    await client.patch("/api/users/nadia", json={"centres": ["mdiq", "saidia"]}, headers=staff)
    entries = (await client.get("/api/audit", params={"subject": "account/nadia"}, headers=staff)).json()
    kinds = [(e["kind"], e.get("after")) for e in entries["entries"]]
    assert ("account.changed", {"centres": ["mdiq", "saidia"]}) in kinds
    assert any(kind == "account.created" for kind, _ in kinds)


async def test_bad_accounts_are_refused_with_a_clear_4xx_and_nothing_changes(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    assert (await _create(client, staff, centres=[])).json()["code"] == "centres_required"
    assert (await _create(client, staff, centres=["atlantis"])).json()["code"] == "unknown_centre"
    assert (await _create(client, staff, email="not-an-address")).status_code == 422
    assert (await _create(client, staff, role="member")).status_code == 400
    assert (await _create(client, staff, username="Bad Name")).status_code == 400
    taken = await _create(client, staff, username="manager-ifrane")
    assert taken.status_code == 409
    assert (await client.patch("/api/users/M0001", json={"disabled": True}, headers=staff)).status_code == 404
    own = await client.patch("/api/users/staff", json={"disabled": True}, headers=staff)
    assert own.status_code == 409
    names = [a["username"] for a in (await client.get("/api/users", headers=staff)).json()]
    assert "nadia" not in names
    assert "staff" in names
    assert "M0001" not in names  # members come from the roster


async def test_members_and_managers_cannot_manage_accounts(client: AsyncTestClient[Any]) -> None:
    for username in ("M0001", "manager-ifrane"):
        headers = await login(client, username)
        assert (await client.get("/api/users", headers=headers)).status_code == 403
        assert (
            await client.patch("/api/users/staff", json={"disabled": True}, headers=headers)
        ).status_code == 403


async def test_staff_create_and_disable_an_account_in_the_pages_in_arabic(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await page_login(client, "staff")
    client.cookies.set("estivage_lang", "ar")
    listing = await client.get("/staff/accounts")
    assert listing.status_code == 200
    assert 'dir="rtl"' in listing.text
    assert "manager-ifrane" in listing.text
    bad = await post_form(
        client,
        "/staff/accounts",
        "/staff/accounts",
        {"username": "karim", "email": "karim@example.org", "role": "manager"},
    )
    assert bad.status_code == 422
    assert "e-centres" in bad.text  # the problem is next to the centres
    page = await client.get("/staff/accounts")
    created = await client.post(
        "/staff/accounts",
        data={
            "username": "karim",
            "email": "karim@example.org",
            "role": "manager",
            "centres": ["ifrane", "mdiq"],
            "_csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/staff/accounts"  # said once, not by the address
    said = "تم إنشاء الحساب karim: أُرسل رمز تفعيله بالبريد الإلكتروني."
    await flashed_once(client, "/staff/accounts", said)
    assert await code_mails(settings, "karim@example.org")
    one = await client.get("/staff/accounts/karim")
    assert one.status_code == 200
    disabled = await post_form(
        client,
        "/staff/accounts/karim",
        "/staff/accounts/karim",
        {"role": "manager", "centres": "ifrane", "disabled": "on"},
    )
    assert disabled.status_code == 303
    assert disabled.headers["location"] == "/staff/accounts/karim"
    said = "تم الحفظ: يسري ذلك ابتداء من الطلب التالي لهذا الحساب."
    await flashed_once(client, "/staff/accounts/karim", said)
    staff = await login(client, "staff")
    karim = (await client.get("/api/users/karim", headers=staff)).json()
    assert karim["disabled"] is True
    assert karim["centres"] == ["ifrane"]


async def test_the_account_pages_speak_french_too(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    client.cookies.set("estivage_lang", "fr")
    listing = await client.get("/staff/accounts")
    assert "Nouveau compte" in listing.text
