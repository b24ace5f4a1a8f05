"""The summer campaign's messages against a real SMTP server on loopback (aiosmtpd): the draw tells each
applicant their result (an offer with its deadline in Moroccan time and the pay page; a waiting list);
the worker's round reminds an open offer's member once, a day before the deadline; a lapse is told, and
the unit freed is offered to the next in line, who is told too. Each with the centre's name, town,
address, times and the price."""

from __future__ import annotations

import dataclasses
import json
from email.message import EmailMessage
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from accounts.models import Member
from estivage import bootstrap, worker
from estivage.app import create_app
from estivage.mail import mail_config
from inventory.models import Centre
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import Clock, pay_by_payroll
from tests.e2e.test_campaigns import CODE, Client, drawn
from tests.integration.test_sms import Gateway, gateway  # noqa: F401 - the loopback SMS gateway fixture
from tests.support.smtp import Inbox, deliver, later

MEMBERS = ["M0001", "M0002", "M0003", "M0004", "M0005"]
ADDRESS_FR = "Avenue des Cèdres, Ifrane"
ADDRESS_AR = "شارع الأرز، إفران"


async def _prepare(settings: Settings) -> None:
    """M0002 reads Arabic; the centre has an address in both languages."""
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await session.execute(update(Member).values(preferred_language="fr"))
            await session.execute(
                update(Member).where(Member.member_number == "M0002").values(preferred_language="ar")
            )
            await session.execute(
                update(Centre)
                .where(Centre.code == "ifrane")
                .values(address_fr=ADDRESS_FR, address_ar=ADDRESS_AR)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _drawn(client: Client, clock: Clock, settings: Settings) -> dict[str, dict[str, str]]:
    """Five applicants for the three r1 bungalows of Ifrane, drawn; offers valid 48 hours."""
    await _prepare(settings)
    return await drawn(client, clock, MEMBERS)


def _address(name: str) -> str:
    return f"{name.lower()}@members.estivage.example"


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


async def _application(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await client.get(f"/api/campaigns/{CODE}/application", headers=headers)).json())


async def _worker_round(settings: Settings, clock: Clock) -> None:
    """One round of `estivage worker`'s housekeeping at the clock's time, with the app's handlers."""
    engine = create_disposable_engine(settings.database_url)
    handlers = bootstrap.event_handlers(bootstrap.payment_providers(settings), mail=mail_config(settings))
    try:
        await worker.run_once(session_factory(engine), clock.now, handlers)
    finally:
        await engine.dispose()


async def test_each_applicant_gets_their_result_and_an_offer_says_its_moroccan_deadline_and_pay_page(
    client: Client, clock: Clock, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    who = await _drawn(client, clock, settings)
    assert await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == len(MEMBERS)
    assert await deliver(settings, later(clock.now, minutes=5), smtp_port=port) == 0
    results = {name: await _application(client, who[name]) for name in MEMBERS}
    offered = [name for name in MEMBERS if results[name]["result"] == "offer"]
    waiting = [name for name in MEMBERS if results[name]["result"] == "waiting"]
    assert (len(offered), len(waiting)) == (3, 2)

    for name in offered:
        [message] = box.to(_address(name))
        booking_id = results[name]["offer"]["booking_id"]
        text = _text(message)
        assert f"/bookings/{booking_id}" in text  # the pay page
        assert "14:00" in text
        assert "12:00" in text
        # Drawn 2026-12-01 09:00 UTC, 48 hours to pay: 3 December, 10:00 in Morocco (UTC+1).
        assert "10:00" in text
        assert "09:00" not in text
        if name == "M0002":
            assert 'dir="rtl"' in _html(message)
            assert ADDRESS_AR in text
            assert "إفران" in text
        else:
            assert str(message["Subject"]).startswith("Tirage d'été")
            assert "3 déc. 2026" in text
            assert ADDRESS_FR in text
            assert "Ifrane" in text
            assert "4 personnes" in text
    for name in waiting:
        [message] = box.to(_address(name))
        text = _text(message)
        assert "/bookings/" not in text
        if name != "M0002":
            assert "liste d'attente" in str(message["Subject"])
            assert "Al Arz" in text


async def test_the_worker_reminds_an_open_offer_once_a_day_before_then_tells_its_lapse_and_the_next_in_line(
    client: Client, clock: Clock, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    who = await _drawn(client, clock, settings)
    await deliver(settings, later(clock.now, seconds=1), smtp_port=port)
    box.messages.clear()
    results = {name: await _application(client, who[name]) for name in MEMBERS}
    offered = [name for name in MEMBERS if results[name]["result"] == "offer"]
    waiting = [name for name in MEMBERS if results[name]["result"] == "waiting"]
    payer, *unpaid = offered
    booking_id = results[payer]["offer"]["booking_id"]
    await pay_by_payroll(client, who[payer], booking_id)

    clock.advance(hours=23)  # 25 hours before the deadline: no reminder yet
    await _worker_round(settings, clock)
    assert (
        await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == 1
    )  # the payer's confirmation
    assert [m["To"] for m in box.messages] == [_address(payer)]
    box.messages.clear()

    clock.advance(hours=2)  # 23 hours before: each unpaid offer's member is reminded, the payer is not
    await _worker_round(settings, clock)
    clock.advance(hours=1)
    await _worker_round(settings, clock)  # a later round reminds nobody again
    assert await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == len(unpaid)
    assert sorted(m["To"] for m in box.messages) == sorted(_address(n) for n in unpaid)
    for message in box.messages:
        text = _text(message)
        assert "/bookings/" in text
        assert "10:00" in text
    box.messages.clear()

    clock.advance(hours=23)  # past the deadline: the unpaid offers lapse, the units go to those waiting
    await _worker_round(settings, clock)
    await _worker_round(settings, clock)
    assert await deliver(settings, later(clock.now, seconds=1), smtp_port=port) == len(unpaid) + len(waiting)
    for name in unpaid:
        [lapsed] = box.to(_address(name))
        assert "/bookings/" not in _text(lapsed)
    for name in waiting:
        [offer] = box.to(_address(name))
        now_offered = await _application(client, who[name])
        assert now_offered["result"] == "offer"
        assert f"/bookings/{now_offered['offer']['booking_id']}" in _text(offer)
        if name != "M0002":
            assert str(offer["Subject"]).startswith("Une place s'est libérée")


async def test_with_sms_set_up_an_offer_also_goes_by_text_message_with_its_deadline_and_pay_page(
    settings: Settings,
    clock: Clock,
    gateway: str,  # noqa: F811 - the fixture imported above
) -> None:
    with_sms = dataclasses.replace(settings, sms_url=gateway + "/send", public_url="https://estivage.example")
    async with AsyncTestClient(app=create_app(with_sms, clock=clock)) as client:
        who = await _drawn(client, clock, with_sms)
        results = {name: await _application(client, who[name]) for name in MEMBERS}
        phones = {
            name: (await client.get("/api/me/data", headers=who[name])).json()["member"]["phone"]
            for name in MEMBERS
        }
    # Mail to the .eml folder, text messages to the gateway: one per offer, none for the waiting list.
    assert await deliver(with_sms, lambda: clock.now) == len(MEMBERS) + 3
    texts = {json.loads(body)["to"]: json.loads(body)["text"] for _path, body in Gateway.received}
    offered = [name for name in MEMBERS if results[name]["result"] == "offer"]
    assert sorted(texts) == sorted(phones[name] for name in offered)
    for name in offered:
        text = texts[phones[name]]
        assert f"https://estivage.example/bookings/{results[name]['offer']['booking_id']}" in text
        assert "10:00" in text
    assert len(list((with_sms.data_dir / "outbox").glob("*.eml"))) == len(MEMBERS)
