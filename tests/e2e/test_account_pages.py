"""Issue 16's account pages: activation and password reset by code from the login page, in French and
Arabic, answering the same whatever was typed; the head office's roster upload (dry run, then apply);
the member's profile."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from litestar.testing import AsyncTestClient

from estivage.app import create_app
from estivage.security import UPLOAD_MAX_BYTES
from kernel.settings import Settings
from tests.conftest import PASSWORD, Clock, login
from tests.e2e.test_activation import ADDRESS, BIRTH, NEW_PASSWORD, _as_imported
from tests.e2e.test_my_data import code_in, code_mails
from tests.e2e.test_pages import csrf_of, flashed_once, page_login, post_form, switch_language
from tests.integration.test_roster_import import (
    NEW,
    NO_CONTACT,
    PHONE_ONLY,
    demo_member,
    member_row,
    roster,
    snapshot,
)


async def _submit(client: AsyncTestClient[Any], page_url: str, url: str, data: dict[str, str]) -> Any:
    page = await client.get(page_url)
    assert page.status_code in {200, 400, 422}, page.text
    return await client.post(url, data={**data, "_csrf_token": csrf_of(page.text)}, follow_redirects=False)


async def test_a_member_activates_from_the_login_page_and_is_signed_in_with_a_flash(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _as_imported(settings)
    login_page = await client.get("/login?lang=fr")
    assert 'href="/activate"' in login_page.text
    assert 'href="/password-reset"' in login_page.text
    asked = await _submit(
        client, "/activate", "/activate", {"member_number": "m0007", "birth_date": BIRTH.isoformat()}
    )
    assert asked.status_code == 303
    code_page = await client.get(asked.headers["location"])
    assert 'id="sent"' in code_page.text
    assert 'value="M0007"' in code_page.text
    code = code_in((await code_mails(settings, ADDRESS))[0])

    differ = {"username": "M0007", "code": code, "password": NEW_PASSWORD, "password_confirm": "other"}
    refused = await _submit(client, "/activate/code", "/activate/code", differ)
    assert refused.status_code == 400
    assert 'id="e-password_confirm"' in refused.text
    assert f'value="{code}"' in refused.text  # the code stays typed; only the password is asked again
    short = {"username": "M0007", "code": code, "password": "short", "password_confirm": "short"}
    weak = await _submit(client, "/activate/code", "/activate/code", short)
    assert weak.status_code == 400
    assert re.search(r'id="e-password"[^>]*>[^<]*10[^<]*128', weak.text), weak.text

    good = {"username": "M0007", "code": code, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    done = await _submit(client, "/activate/code", "/activate/code", good)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/search"
    landed = await client.get("/search")
    assert landed.status_code == 200
    assert 'id="flashes"' in landed.text
    assert 'id="flashes"' not in (await client.get("/search")).text  # shown once
    assert await login(client, "M0007", NEW_PASSWORD)


async def test_a_manager_invited_by_head_office_activates_with_the_mailed_code_on_the_page(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    staff = await login(client, "staff")
    body = {"username": "nadia", "role": "manager", "email": "nadia@example.org", "centres": ["mdiq"]}
    assert (await client.post("/api/users", json=body, headers=staff)).status_code == 201
    code = code_in((await code_mails(settings, "nadia@example.org"))[0])
    start = await client.get("/activate")
    assert 'href="/activate/code" id="invited-code"' in start.text
    good = {"username": "nadia", "code": code, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    done = await _submit(client, "/activate/code", "/activate/code", good)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/manage"
    assert (await client.get("/manage/mdiq")).status_code == 200


async def test_asking_for_a_code_answers_the_same_for_a_stranger_and_sends_nothing(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _as_imported(settings)
    member = await _submit(
        client, "/activate", "/activate", {"member_number": "M0007", "birth_date": BIRTH.isoformat()}
    )
    stranger = await _submit(
        client, "/activate", "/activate", {"member_number": "M0007", "birth_date": "1999-01-01"}
    )
    assert member.status_code == stranger.status_code == 303
    said = (await client.get(member.headers["location"])).text
    assert re.sub(r"_csrf_token\" value=\"[^\"]+", "", said) == re.sub(
        r"_csrf_token\" value=\"[^\"]+", "", (await client.get(stranger.headers["location"])).text
    )
    assert len(await code_mails(settings, ADDRESS)) == 1
    nobody = await _submit(client, "/password-reset", "/password-reset", {"username": "nobody"})
    assert nobody.status_code == 303
    assert 'id="sent"' in (await client.get(nobody.headers["location"])).text


async def test_a_wrong_or_dead_code_is_said_next_to_the_code_in_arabic(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await client.get("/login?lang=ar")
    asked = await _submit(client, "/password-reset", "/password-reset", {"username": "M0003"})
    assert asked.status_code == 303
    form = await client.get(asked.headers["location"])
    assert 'dir="rtl"' in form.text
    wrong = {
        "username": "M0003",
        "code": "000000",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    refused = await _submit(client, "/password-reset/code", "/password-reset/code", wrong)
    assert refused.status_code == 400
    assert 'id="e-code"' in refused.text
    assert "رمز خاطئ" in refused.text
    code = code_in((await code_mails(settings, "m0003@members.estivage.example"))[0])
    right = {**wrong, "code": code}
    done = await _submit(client, "/password-reset/code", "/password-reset/code", right)
    assert done.status_code == 303
    # Used once: the same code again is dead, and says so.
    client.cookies.clear()
    await client.get("/login?lang=fr")
    again = await _submit(client, "/password-reset/code", "/password-reset/code", right)
    assert again.status_code == 400
    assert "utilisé ou expiré" in again.text
    assert await login(client, "M0003", NEW_PASSWORD)


async def _upload(client: AsyncTestClient[Any], content: bytes, deactivate: bool = False) -> Any:
    page = await client.get("/staff/roster")
    assert page.status_code == 200
    data = {"_csrf_token": csrf_of(page.text), **({"deactivate_missing": "on"} if deactivate else {})}
    files = {"file": ("hr-export.csv", content, "text/csv")}
    return await client.post("/staff/roster", data=data, files=files, follow_redirects=False)


async def _apply(client: AsyncTestClient[Any], checked: Any, missing: str) -> tuple[str, Any]:
    """The upload the dry run kept (its page ``checked``) applied: its key, and the page the apply
    redirects to (with its flash)."""
    key = re.search(r'name="key" value="([^"]+)"', checked.text)
    assert key
    applied = await client.post(
        "/staff/roster/apply",
        data={"key": key.group(1), "file_name": "hr-export.csv", "missing": missing,
              "_csrf_token": csrf_of(checked.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert applied.status_code == 303, applied.text
    return key.group(1), await client.get(applied.headers["location"])


async def test_head_office_checks_the_roster_then_applies_it_all_at_once(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await page_login(client, "staff")
    moved = {**await demo_member(settings, "M0005"), "category": "active"}
    checked = await _upload(client, roster(NEW, moved).encode(), deactivate=True)
    assert checked.status_code == 200, checked.text
    assert re.search(r'id="count-created">1<', checked.text)
    assert re.search(r'id="count-updated">1<', checked.text)
    assert re.search(r'id="count-deactivated">499<', checked.text)  # 500 demo members, one listed
    assert 'data-member="R00001"' in checked.text
    assert "retired</bdi> → <bdi>active" in checked.text
    assert (await member_row(settings, "M0005"))["category"] == "retired"  # the dry run wrote nothing
    key, flash = await _apply(client, checked, "deactivate")
    assert re.search(r'class="flash success">[^<]*1[^<]*1[^<]*0[^<]*499', flash.text), flash.text
    assert (await member_row(settings, "M0005"))["category"] == "active"
    assert not (await member_row(settings, "M0006"))["active"]
    assert (await member_row(settings, "R00001"))["password_hash"] == ""
    # The upload is spent: applying it again finds nothing to apply.
    again = await client.post(
        "/staff/roster/apply",
        data={"key": key, "missing": "keep", "_csrf_token": csrf_of(checked.text)},
    )
    assert again.status_code == 409


async def test_the_roster_page_names_the_members_no_code_can_reach_before_and_after_applying(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    checked = await _upload(client, roster(NEW, PHONE_ONLY, NO_CONTACT).encode())
    assert checked.status_code == 200, checked.text
    assert re.search(r'id="count-unreachable">1<', checked.text)
    listed = re.search(r'<ul class="list" id="unreachable">(.*?)</ul>', checked.text, re.S)
    assert listed
    assert re.findall(r'data-member="([^"]+)"', listed.group(1)) == ["R00003"]
    _key, flash = await _apply(client, checked, "keep")
    assert re.search(r'class="flash success">[^<]*: 1\. ', flash.text), flash.text


async def test_a_bad_roster_names_every_bad_line_in_arabic_and_changes_nothing(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await page_login(client, "staff")
    await switch_language(client, "ar", "/staff/roster")
    before = await snapshot(settings)
    content = roster(
        {**NEW, "category": "director"},  # line 2
        {**NEW, "member_number": "R00002", "birth_date": "14/07/1958"},  # line 3
        {**NEW, "member_number": "R00003", "email": "khadija@"},  # line 4
    ).encode()
    checked = await _upload(client, content)
    assert checked.status_code == 422
    assert re.findall(r'data-line="(\d+)"', checked.text) == ["2", "3", "4"]
    assert 'name="key"' not in checked.text  # nothing to apply
    assert 'dir="rtl"' in checked.text
    assert "director" in checked.text
    assert "14/07/1958" in checked.text
    assert await snapshot(settings) == before
    unreadable = await _upload(client, b"nothing,useful\r\n1,2\r\n")
    assert unreadable.status_code == 400
    assert 'id="e-file"' in unreadable.text


async def test_members_and_managers_cannot_reach_the_roster_upload(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "M0001")
    assert (await client.get("/staff/roster")).status_code == 403
    client.cookies.clear()
    await page_login(client, "manager-ifrane")
    assert (await client.get("/staff/roster")).status_code == 403


async def test_a_member_sees_their_account_and_changes_language_and_email_on_the_profile_page(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await page_login(client, "M0008")
    await switch_language(client, "fr", "/me")
    profile = await client.get("/me")
    assert profile.status_code == 200
    assert '<bdi id="me-email">m0008@members.estivage.example</bdi>' in profile.text
    assert re.search(r'id="me-language" lang="fr"', profile.text)
    to_arabic = await post_form(client, "/me", "/me/contact", {"phone": "", "language": "ar", "back": "/me"})
    assert to_arabic.status_code == 303
    assert to_arabic.headers["location"] == "/me#contact"
    in_arabic = await flashed_once(client, "/me", "تم حفظ هاتفك ولغتك.")  # in the language just chosen
    assert 'dir="rtl"' in in_arabic
    assert re.search(r'id="me-language" lang="ar"', in_arabic)

    asked = await post_form(client, "/me", "/me/email", {"email": "nadia@example.org", "back": "/me"})
    assert asked.headers["location"] == "/me#email"
    await flashed_once(client, "/me", "أُرسل الرمز إلى العنوان الجديد.")
    wrong = await post_form(client, "/me", "/me/email/confirm", {"code": "000000", "back": "/me"})
    assert wrong.status_code == 422
    assert 'id="me-email"' in wrong.text  # the profile again, with the problem on the code
    assert 'id="e-code"' in wrong.text
    code = code_in((await code_mails(settings, "nadia@example.org"))[0])
    await post_form(client, "/me", "/me/email/confirm", {"code": code, "back": "/me"})
    confirmed = await flashed_once(client, "/me", "أصبح عنوان بريدك الإلكتروني nadia@example.org.")
    assert '<bdi id="me-email">nadia@example.org</bdi>' in confirmed
    # A form cannot send the member elsewhere.
    elsewhere = await post_form(client, "/me", "/me/contact", {"language": "fr", "back": "//evil.example"})
    assert elsewhere.headers["location"] == "/me/data#contact"
    await flashed_once(client, "/me/data", "Votre téléphone et votre langue sont enregistrés.")
    new_address = {"email": "nadia@example.com", "back": "/me/data"}
    kept = await post_form(client, "/me/data", "/me/email", new_address)
    assert kept.headers["location"] == "/me/data#email"
    await flashed_once(client, "/me/data", "Code envoyé à la nouvelle adresse.")


async def test_the_profile_page_is_a_members_own(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/me", follow_redirects=False)).headers["location"].startswith("/login")
    await page_login(client, "staff")
    assert (await client.get("/me")).status_code == 403


async def test_the_pages_share_the_apis_limit_on_code_requests_and_say_it_in_arabic(
    settings: Settings, clock: Clock
) -> None:
    strict = dataclasses.replace(settings, login_attempts_per_minute=2)
    async with AsyncTestClient(app=create_app(strict, clock=clock)) as client:
        api = await client.post("/api/auth/password-reset/start", json={"username": "M0003"})
        assert api.status_code == 202
        client.cookies.set("estivage_lang", "ar")
        page = await _submit(client, "/password-reset", "/password-reset", {"username": "M0003"})
        assert page.status_code == 303
        limited = await _submit(client, "/password-reset", "/password-reset", {"username": "M0003"})
        assert limited.status_code == 429
        assert "Too Many" not in limited.text
        assert "طلبات كثيرة جدا" in limited.text
        assert 'id="reset-start"' in limited.text  # the form again, to try in a minute


async def test_a_forged_flash_shows_nothing(client: AsyncTestClient[Any]) -> None:
    client.cookies.set("estivage_flashes", "<script>alert(1)</script>")  # not sealed with the app's key
    login_page = await client.get("/login")
    assert login_page.status_code == 200
    assert 'id="flashes"' not in login_page.text
    assert "alert(1)" not in login_page.text


async def test_the_roster_upload_needs_the_pages_token_and_is_bounded(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    files = {"file": ("hr-export.csv", roster(NEW).encode(), "text/csv")}
    forged = await client.post("/staff/roster", files=files)
    assert forged.status_code == 403
    huge = b"x" * (UPLOAD_MAX_BYTES + 1)
    token = csrf_of((await client.get("/staff/roster")).text)
    refused = await client.post(
        "/staff/roster", data={"_csrf_token": token}, files={"file": ("big.csv", huge, "text/csv")}
    )
    assert refused.status_code == 413
    # Other forms keep their small bound.
    assert (
        await client.post("/staff/accounts", files={"file": ("big.csv", huge[:70_000])})
    ).status_code == 413


async def test_a_manager_changes_their_password_and_language_on_their_account_page(
    client: AsyncTestClient[Any],
) -> None:
    other_device = await login(client, "manager-ifrane")  # a phone signed in elsewhere
    await page_login(client, "manager-ifrane")
    desk = await client.get("/manage/ifrane")
    assert 'href="/account" id="nav-account"' in desk.text
    mine = await client.get("/account")
    assert mine.status_code == 200
    assert '<bdi id="me-username">manager-ifrane</bdi>' in mine.text
    assert 'href="/manage/ifrane"' in mine.text

    wrong = await post_form(
        client,
        "/account",
        "/account/password",
        {"current": "not-my-password", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert 'id="e-current"' in wrong.text
    differ = await post_form(
        client,
        "/account",
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"},
    )
    assert 'id="e-password_confirm"' in differ.text
    short = await post_form(
        client,
        "/account",
        "/account/password",
        {"current": PASSWORD, "password": "short", "password_confirm": "short"},
    )
    assert (short.status_code, 'id="e-password"' in short.text) == (422, True)
    assert (await client.get("/api/me", headers=other_device)).status_code == 200  # nothing changed yet

    changed = await post_form(
        client,
        "/account",
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert (changed.status_code, changed.headers["location"]) == (303, "/account")
    assert (await client.get("/api/me", headers=other_device)).status_code == 401  # the other session ended
    assert (await client.get("/account")).status_code == 200  # this browser stays signed in
    old = await client.post("/api/auth/token", json={"username": "manager-ifrane", "password": PASSWORD})
    assert old.status_code == 401
    assert await login(client, "manager-ifrane", NEW_PASSWORD)

    await switch_language(client, "ar", "/account")
    assert '<html lang="ar" dir="rtl">' in (await client.get("/account")).text


async def test_staff_have_the_account_page_and_members_keep_theirs(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    assert 'href="/account" id="nav-account"' in (await client.get("/staff")).text
    assert (await client.get("/account")).status_code == 200
    client.cookies.clear()
    await page_login(client, "M0001")
    assert (await client.get("/account")).status_code == 403
    assert 'id="nav-account"' not in (await client.get("/me")).text
