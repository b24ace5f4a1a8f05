"""The pages of issue 16's people items, in French and Arabic: staff find a member and book for them, the
audit log page, the member's own data page with its contact forms, the party on the booking page and on
the manager's arrivals list."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import STAY, Clock, login
from tests.e2e.test_my_data import code_in, code_mails
from tests.e2e.test_pages import csrf_of, flashed_once, page_login, post_form, switch_language


async def test_staff_find_a_member_by_number_or_name_in_either_script(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    by_number = await client.get("/staff/members", params={"q": "M0005"})
    assert by_number.status_code == 200
    assert re.findall(r'data-member="([^"]+)"', by_number.text) == ["M0005"]

    record = (await client.get("/api/me/data", headers=await login(client, "M0005"))).json()["member"]
    latin = await client.get("/staff/members", params={"q": record["last_name"].lower()})
    assert "M0005" in re.findall(r'data-member="([^"]+)"', latin.text)
    arabic = await client.get("/staff/members", params={"q": record["last_name_ar"]})
    assert "M0005" in re.findall(r'data-member="([^"]+)"', arabic.text)

    # The same letter written without its hamza finds the name written with it.
    idrissi = await client.get("/staff/members", params={"q": "الادريسي"})
    assert re.findall(r'data-member="([^"]+)"', idrissi.text), "members named الإدريسي"
    nobody = await client.get("/staff/members", params={"q": "zzz%_"})
    assert 'id="no-member"' in nobody.text


async def test_staff_hold_for_a_retiree_and_pay_by_payroll_on_the_pages(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    search = {k: str(v) for k, v in STAY.items() if k != "unit_type"}
    member_page = await client.get("/staff/members/M0001", params=search)
    assert member_page.status_code == 200
    assert 'data-unit-type="studio"' in member_page.text
    held = await client.post(
        "/staff/members/M0001/hold",
        data={**search, "unit_type": "studio", "promo_code": "", "_csrf_token": csrf_of(member_page.text)},
        follow_redirects=False,
    )
    assert held.status_code == 303, held.text
    booking_url = held.headers["location"]
    booking_id = booking_url.rsplit("/", 1)[1]
    booking_page = await client.get(booking_url)
    assert 'id="booked-by"><bdi>staff</bdi>' in booking_page.text
    assert f"/bookings/{booking_id}</bdi>" in booking_page.text  # the member's own page, for the card

    paid = await post_form(client, booking_url, booking_url + "/pay", {"instalments": "2"})
    assert paid.status_code == 303
    member = await login(client, "M0001")
    assert (await client.get(f"/api/bookings/{booking_id}", headers=member)).json()["status"] == "confirmed"

    await switch_language(client, "ar", booking_url)
    shown = await client.get(booking_url)
    assert '<html lang="ar" dir="rtl">' in shown.text
    assert "حُجز من طرف" in shown.text
    named = await post_form(client, booking_url, booking_url + "/party", {
        "name_1": "Karim Benali", "relation_1": "spouse", "age_band_1": "adult",
    })  # fmt: skip
    assert named.status_code == 303, named.text
    assert named.headers["location"] == booking_url + "#party"
    assert "Karim Benali" in await flashed_once(client, booking_url, "تم حفظ المرافقين.")


async def test_a_refused_hold_for_a_member_says_why_in_the_page_language(
    client: AsyncTestClient[Any],
) -> None:
    await page_login(client, "staff")
    await switch_language(client, "ar", "/staff/members")
    search = {k: str(v) for k, v in STAY.items() if k != "unit_type"}
    await client.post("/api/bookings", headers=await login(client, "staff"), json={**STAY, "member": "M0001"})
    page = await client.get("/staff/members/M0001", params=search)
    again = await client.post(
        "/staff/members/M0001/hold",
        data={**search, "unit_type": "apt2", "promo_code": "", "_csrf_token": csrf_of(page.text)},
    )
    assert again.status_code == 422
    problem = re.search(r'<p class="problem" role="alert" id="e-offers">([^<]+)</p>', again.text)
    assert problem
    assert problem.group(1) == "لديك حجز غير مدفوع: ادفعه أو ألغه قبل القيام بحجز آخر."


async def test_the_audit_page_lists_staff_changes_filtered_and_in_arabic(
    client: AsyncTestClient[Any],
) -> None:
    staff = await login(client, "staff")
    tariffs = (await client.get("/api/tariffs", headers=staff)).json()
    tariff = tariffs[0]
    await client.put("/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": 12345}})
    await client.put(
        "/api/booking-policy",
        headers=staff,
        json={"hold_minutes": 9, "max_open_holds": 1, "max_off_season_nights_per_year": 21},
    )
    await page_login(client, "staff")
    page = await client.get("/staff/audit")
    assert page.status_code == 200
    assert re.findall(r'data-kind="([^"]+)"', page.text) == ["booking_policy.set", "tariff.set"]
    assert "nightly_minor: " in page.text
    assert "→ 12345" in page.text
    only = await client.get("/staff/audit", params={"kind": "tariff.set"})
    assert re.findall(r'data-kind="([^"]+)"', only.text) == ["tariff.set"]
    await switch_language(client, "ar", "/staff/audit")
    arabic = await client.get("/staff/audit")
    assert "سجل التدقيق" in arabic.text
    assert "تحديد تعريفة" in arabic.text
    bad = await client.get("/staff/audit", params={"from": "yesterday"})
    assert bad.status_code == 422
    await page_login(client, "M0001")
    assert (await client.get("/staff/audit")).status_code == 403
    assert (await client.get("/staff/members")).status_code == 403


async def test_the_audit_page_reads_a_page_at_a_time(client: AsyncTestClient[Any]) -> None:
    staff = await login(client, "staff")
    tariff = (await client.get("/api/tariffs", headers=staff)).json()[0]
    for price in range(10000, 10000 + 51 * 10, 10):
        await client.put("/api/tariffs", headers=staff, json={**tariff, "nightly": {"amount_minor": price}})
    await page_login(client, "staff")
    first = await client.get("/staff/audit")
    assert len(re.findall(r"data-entry=", first.text)) == 50
    older = re.search(r'href="([^"]+)" id="older"', first.text)
    assert older
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert len(re.findall(r"data-entry=", second.text)) == 1
    assert 'id="older"' not in second.text
    assert 'id="newest"' in second.text


async def test_a_member_reads_their_data_and_changes_phone_and_email_on_the_page(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await page_login(client, "M0002")
    await switch_language(client, "fr", "/me/data")
    page = await client.get("/me/data")
    assert page.status_code == 200
    assert "loi marocaine 09-08" in page.text
    assert 'href="/api/me/data"' in page.text
    changed = await post_form(client, "/me/data", "/me/contact", {"phone": "0661 11 22 33", "language": "fr"})
    assert changed.status_code == 303
    assert "0661112233" in (await client.get("/me/data")).text
    bad = await post_form(client, "/me/data", "/me/contact", {"phone": "12", "language": "fr"})
    assert bad.status_code == 422
    assert 'id="e-phone"' in bad.text

    asked = await post_form(client, "/me/data", "/me/email", {"email": "fatima@example.org"})
    assert asked.status_code == 303
    pending = await client.get("/me/data")
    assert 'id="email-pending"' in pending.text
    await switch_language(client, "ar", "/me/data")
    wrong = await post_form(client, "/me/data", "/me/email/confirm", {"code": "abc"})
    assert wrong.status_code == 422
    assert "رمز خاطئ" in wrong.text
    code = code_in((await code_mails(settings, "fatima@example.org"))[0])
    assert (await post_form(client, "/me/data", "/me/email/confirm", {"code": code})).status_code == 303
    assert "<bdi>fatima@example.org</bdi>" in (await client.get("/me/data")).text
    # The download, with the page's cookie.
    download = await client.get("/api/me/data")
    assert download.json()["member"]["email"] == "fatima@example.org"


async def test_the_member_names_the_party_on_the_booking_page_and_the_manager_sees_it(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    member = await login(client, "M0002")
    booking = (
        await client.post("/api/bookings", headers=member, json={**STAY, "unit_type": "apt2", "guests": 2})
    ).json()
    await client.post(f"/api/bookings/{booking['id']}/checkout", headers=member, json={"method": "payroll"})
    await page_login(client, "M0002")
    url = f"/bookings/{booking['id']}"
    page = await client.get(url)
    assert 'id="party-form"' in page.text
    assert len(re.findall(r'name="name_\d"', page.text)) == 4  # a two-room flat takes five
    named = await post_form(client, url, url + "/party", {
        "name_1": "Karim Benali", "relation_1": "spouse", "age_band_1": "adult",
        "name_2": "", "relation_2": "child", "age_band_2": "child",
        "name_3": "Lina", "relation_3": "child", "age_band_3": "infant",
    })  # fmt: skip
    assert named.status_code == 303, named.text
    assert named.headers["location"] == url + "#party"
    shown = await flashed_once(client, url, "Accompagnants enregistrés.")
    assert re.findall(r"<li><bdi>([^<]+)</bdi>", shown)[:2] == ["Karim Benali", "Lina"]
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=member)).json()["guests"] == 3

    bad = await post_form(
        client, url, url + "/party", {"name_1": "X", "relation_1": "cousin", "age_band_1": "adult"}
    )
    assert bad.status_code == 422
    assert 'id="e-party"' in bad.text

    clock.advance(days=27)  # the arrival day
    await page_login(client, "manager-ifrane")
    await switch_language(client, "ar", "/manage/ifrane")
    arrivals = re.search(r'<table id="arrivals">.*?</table>', (await client.get("/manage/ifrane")).text, re.S)
    assert arrivals
    assert "<bdi>Karim Benali</bdi>" in arrivals.group(0)
    assert "رضيع" in arrivals.group(0)
