"""Receipts as PDF in Arabic and French: the text extracted holds the amount and the member's name; only
the booking's member, staff and that centre's manager may read them."""

from __future__ import annotations

import io
from typing import Any

from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import select

from accounts.models import Member
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.models import Payment
from payments.receipts import amount_text
from tests.conftest import hold, login


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
    booking = (await hold(client, member)).json()
    paid = await client.post(
        f"/api/bookings/{booking['id']}/checkout",
        headers=member,
        json={"method": "payroll", "instalments": 2},
    )
    assert paid.status_code == 200, paid.text
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
    arabic = _text(
        (
            await client.get(f"/api/payments/{payment_id}/receipt.pdf", headers=member, params={"lang": "ar"})
        ).content
    )
    # Shaped Arabic extracts as its letters again (word by word: the line's order is visual).
    assert "الأداء" in arabic
    assert "الأجر" in arabic
    for who, status in (("staff", 200), ("manager-ifrane", 200), ("manager-saidia", 404), ("M0002", 404)):
        got = await client.get(f"/api/payments/{payment_id}/receipt.pdf", headers=await login(client, who))
        assert got.status_code == status, who
