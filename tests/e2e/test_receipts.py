"""Receipts as PDF in Arabic and French: the text extracted holds the amount and the member's name; only
the booking's member, staff and that centre's manager may read them."""

from __future__ import annotations

import io
import re
from typing import Any

from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import select

from accounts.models import Member
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment
from payments.receipts import amount_text
from tests.conftest import login, paid_by_payroll
from tests.e2e.test_gate_fleet import _stay
from tests.e2e.test_pages import page_login, switch_language


async def _payment_and_name(settings: Settings) -> tuple[str, str]:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        found = (await session.scalars(select(Payment.id))).one()
        member = (await session.scalars(select(Member).where(Member.member_number == "M0001"))).one()
    await engine.dispose()
    return str(found), f"{member.first_name} {member.last_name}"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_a_payroll_payment_has_a_receipt_in_both_languages_with_its_schedule(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member = await login(client, "M0001")
    booking = await paid_by_payroll(client, member)
    payment_id, name = await _payment_and_name(settings)
    total = amount_text(booking["price"]["total"]["amount_minor"], "MAD").split()[0]
    for lang in ("fr", "ar"):
        pdf = await client.get(
            f"/api/payments/{payment_id}/receipt.pdf", headers=member, params={"lang": lang}
        )
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        text = _text(pdf.content)
        assert total in text
        assert name in text
        assert "M0001" in text
    french = _text(
        (
            await client.get(f"/api/payments/{payment_id}/receipt.pdf", headers=member, params={"lang": "fr"})
        ).content
    )
    assert "Prélèvement sur salaire" in french
    assert "Échéancier des prélèvements" in french
    # Each deduction's month by its name, the stay's days as one span (not 2026-12, 2026-12-20).
    assert re.findall(r"^(\w+ \d{4}): [\d,]+ MAD$", french, re.M) == ["décembre 2026", "janvier 2027"]
    assert "Séjour: " in french
    assert "20–24 déc. 2026" in french
    assert not re.search(r"\d{4}-\d\d", french)
    arabic = _text(
        (
            await client.get(f"/api/payments/{payment_id}/receipt.pdf", headers=member, params={"lang": "ar"})
        ).content
    )
    # Shaped Arabic extracts as its letters again (word by word: the line's order is visual).
    assert "الأداء" in arabic
    assert "الأجر" in arabic
    assert "دجنبر" in arabic  # December as Morocco names it
    for who, status in (("staff", 200), ("manager-ifrane", 200), ("manager-saidia", 404), ("M0002", 404)):
        got = await client.get(f"/api/payments/{payment_id}/receipt.pdf", headers=await login(client, who))
        assert got.status_code == status, who


async def test_a_bookings_payments_list_their_receipts_and_schedule_for_those_who_may_see_it(
    client: AsyncTestClient[Any],
) -> None:
    member = await login(client, "M0001")
    booking = await paid_by_payroll(client, member, instalments=3)
    listed = await client.get(f"/api/bookings/{booking['id']}/payments", headers=member)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    [payment] = body["payments"]
    assert (payment["provider"], payment["status"]) == ("payroll", "succeeded")
    assert payment["amount"]["amount_minor"] == booking["price"]["total"]["amount_minor"]
    assert payment["refund"] is None
    assert [i["number"] for i in body["instalments"]] == [1, 2, 3]
    assert sum(i["amount"]["amount_minor"] for i in body["instalments"]) == payment["amount"]["amount_minor"]
    pdf = await client.get(payment["receipt_url"], headers=member)
    assert pdf.status_code == 200
    assert "M0001" in _text(pdf.content)
    for who, status in (("staff", 200), ("manager-ifrane", 200), ("manager-saidia", 404), ("M0002", 404)):
        got = await client.get(f"/api/bookings/{booking['id']}/payments", headers=await login(client, who))
        assert got.status_code == status, who
    assert (await client.get(f"/api/bookings/{booking['id']}/payments")).status_code == 401


async def test_the_booking_page_shows_the_method_the_schedule_and_links_each_receipt(
    client: AsyncTestClient[Any],
) -> None:
    payroll = await _stay_by_payroll(client)
    card = await _stay(client, "M0001", arrival="2027-01-10", departure="2027-01-13")
    member = card["member"]
    cancelled = await client.post(f"/api/bookings/{card['booking_id']}/cancel", headers=member)
    assert cancelled.status_code == 200, cancelled.text
    refund = cancelled.json()["refund"]["amount_minor"]
    assert refund > 0
    await page_login(client, "M0001")
    await switch_language(client, "fr")

    page = (await client.get(f"/bookings/{payroll['id']}")).text
    lines = re.search(r'<table id="payment-lines">.*?</table>', page, re.S)
    assert lines, page
    assert '<td class="method">Prélèvement sur salaire</td>' in lines.group(0)
    schedule = re.search(r'<table id="schedule">.*?</table>', page, re.S)
    assert schedule
    assert len(re.findall(r"<td>\d/2</td>", schedule.group(0))) == 2
    assert re.findall(r"<td><bdi>(\w+ \d{4})</bdi></td>", schedule.group(0)) == [
        "décembre 2026",
        "janvier 2027",
    ]
    link = re.search(r'href="(/api/payments/[^"]+/receipt\.pdf\?lang=fr)"', lines.group(0))
    assert link
    pdf = await client.get(link.group(1).replace("&amp;", "&"))  # the page's session, as a browser
    assert pdf.status_code == 200
    assert "Échéancier des prélèvements" in _text(pdf.content)

    page = (await client.get(f"/bookings/{card['booking_id']}")).text
    lines = re.search(r'<table id="payment-lines">.*?</table>', page, re.S)
    assert lines
    assert "Carte (mode test)" in lines.group(0)
    assert "schedule" not in page.split('id="payments"')[1].split("</section>")[0]
    refund_link = re.search(r'href="(/api/payments/[^"]+/receipt\.pdf\?refund=true&amp;lang=fr)"', page)
    assert refund_link
    refund_pdf = await client.get(refund_link.group(1).replace("&amp;", "&"))
    assert refund_pdf.status_code == 200
    text = _text(refund_pdf.content)
    assert "Reçu de remboursement" in text
    assert amount_text(refund, "MAD").split()[0] in text

    # Another member's booking page (and so its receipts' list) is not found.
    await page_login(client, "M0002")
    assert (await client.get(f"/bookings/{payroll['id']}")).status_code == 404


async def _stay_by_payroll(client: AsyncTestClient[Any]) -> Any:
    return await paid_by_payroll(client, await login(client, "M0001"))
