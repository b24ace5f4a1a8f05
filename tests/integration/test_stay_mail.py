"""Messages about a stay after its confirmation, against the real SMTP server on loopback (aiosmtpd): a
stay staff end early tells the day it ended and the refund (or that the rule gives nothing back), in the
member's language; a party of another size gets a new pass at once, mailed as a PNG the gate reads; with
SMS set up, the confirmation's pass link also goes by text message to the loopback SMS gateway."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from email.message import EmailMessage
from typing import Any

import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image

from access.passformat import decode_pass
from estivage.app import create_app
from kernel.i18n import translator
from kernel.money import Money
from kernel.settings import Settings
from tests.conftest import NOW, Clock, login
from tests.e2e.test_party import BABY, CHILD, SPOUSE, paid
from tests.e2e.test_reception import checked_in_on_credit
from tests.integration.test_mail import _speaks
from tests.integration.test_sms import Gateway, gateway  # noqa: F401 - the loopback SMS gateway fixture
from tests.support.smtp import Inbox, deliver, later

ENDED_ON = date(2026, 12, 22)  # two days into the stay that arrives on 20 December


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def _ended_early(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings, username: str, rule: str
) -> Money:
    """``username``'s stay, confirmed and checked in, ended early by staff with ``rule``; its refund."""
    await _speaks(settings, username, "ar" if username == "M0002" else "fr")
    booking = await checked_in_on_credit(client, clock, username)
    clock.advance(days=2)
    ended = await client.post(
        f"/api/bookings/{booking['id']}/end-early",
        headers=await login(client, "staff"),
        json={"refund": rule},
    )
    assert ended.status_code == 200, ended.text
    return Money(ended.json()["refund"]["amount_minor"], ended.json()["refund"]["currency"])


async def test_a_stay_ended_early_tells_the_member_the_day_and_the_refund(
    client: AsyncTestClient[Any],
    settings: Settings,
    clock: Clock,
    inbox: tuple[Inbox, int],
) -> None:
    box, port = inbox
    refund = await _ended_early(client, clock, settings, "M0001", "unused_nights")
    assert refund.amount_minor > 0
    # The confirmation, then the end.
    assert await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == 2
    assert await deliver(settings, later(clock.now, minutes=30), smtp_port=port) == 0
    _confirmation, message = box.to("m0001@members.estivage.example")
    t = translator("fr")
    assert str(message["Subject"]).endswith("s'est terminé plus tôt")
    text = _text(message)
    assert t.day(ENDED_ON) in text
    assert t.gettext("%(amount)s will be given back to you.", amount=t.money(refund)) in text


async def test_a_stay_ended_early_with_nothing_given_back_says_so_in_arabic(
    client: AsyncTestClient[Any],
    settings: Settings,
    clock: Clock,
    inbox: tuple[Inbox, int],
) -> None:
    box, port = inbox
    assert (await _ended_early(client, clock, settings, "M0002", "none")).amount_minor == 0
    assert await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == 2
    _confirmation, message = box.to("m0002@members.estivage.example")
    html = message.get_body(("html",))
    assert html is not None
    assert 'dir="rtl"' in html.get_content()
    t = translator("ar")
    nothing = t.gettext("Under the rule staff applied, nothing is given back.")
    assert nothing != "Under the rule staff applied, nothing is given back."
    text = _text(message)
    assert t.day(ENDED_ON) in text
    assert nothing in text


async def test_a_party_of_another_size_mails_the_new_pass_so_the_old_one_is_known_void(
    client: AsyncTestClient[Any],
    settings: Settings,
    inbox: tuple[Inbox, int],
) -> None:
    box, port = inbox
    await _speaks(settings, "M0001", "fr")
    member = await login(client, "M0001")
    booking = await paid(client, member, guests=2)
    first = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    named = await client.put(
        f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE, CHILD, BABY]}
    )
    assert named.status_code == 200, named.text
    # The same count again issues nothing.
    await client.put(
        f"/api/bookings/{booking['id']}/party", headers=member, json={"party": [SPOUSE, BABY, CHILD]}
    )
    now = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    assert now["pass_id"] != first["pass_id"]
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 2
    confirmation, new_pass = box.to("m0001@members.estivage.example")
    assert "confirm" in str(confirmation["Subject"])
    subject = translator("fr").gettext("A new pass for your stay at %(centre)s", centre="|")
    assert str(new_pass["Subject"]).startswith(subject.split("|")[0])
    [png] = [part.get_payload(decode=True) for part in new_pass.iter_attachments()]
    decoded = zxingcpp.read_barcode(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert decoded is not None
    assert decoded.text == now["payload"]
    assert decode_pass(decoded.text).claims.party_size == 4


async def test_with_sms_set_up_the_confirmation_sends_the_pass_link_by_text_message(
    settings: Settings,
    clock: Clock,
    gateway: str,  # noqa: F811 - the fixture imported above
) -> None:
    with_sms = dataclasses.replace(settings, sms_url=gateway + "/send", public_url="https://estivage.example")
    await _speaks(with_sms, "M0001", "fr")
    async with AsyncTestClient(app=create_app(with_sms, clock=clock)) as client:
        member = await login(client, "M0001")
        booking = await paid(client, member)
        phone = (await client.get("/api/me/data", headers=member)).json()["member"]["phone"]
    assert phone
    # The mail to the .eml folder, the text message to the gateway; neither again.
    assert await deliver(with_sms, later(clock.now, seconds=1)) == 2
    assert await deliver(with_sms, later(clock.now, minutes=30)) == 0
    [(path, body)] = Gateway.received
    assert path == "/send"
    sms = json.loads(body)
    assert sms["to"] == phone
    link = f"https://estivage.example/bookings/{booking['id']}"
    assert sms["text"].endswith(link)
    words = translator("fr").gettext(
        "Estivage: your stay at %(centre)s is confirmed. Your pass: %(link)s", centre="|", link=link
    )
    assert sms["text"].startswith(words.split("|")[0])
    assert len(list((with_sms.data_dir / "outbox").glob("*.eml"))) == 1
