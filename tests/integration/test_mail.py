"""The mail outbox against a real SMTP server on loopback (aiosmtpd): a confirmed stay's message arrives
once with its pass and its .ics; a sender killed between claim and send, or a server down for a while,
loses nothing and sends nothing twice; a refusal is final; a rolled-back booking sends nothing."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import icalendar
import pytest
import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select, update

from accounts.models import Member
from booking import services as booking_services
from booking.events import BookingConfirmed
from estivage import bootstrap
from estivage.mail import mail_config
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from notifications.compose import Letter
from notifications.domain.delivery import LEASE, MessageStatus
from notifications.models import OutboxMessage
from notifications.outbox import enqueue
from notifications.transports import Outgoing
from tests.conftest import NOW, hold, login, paid_by_payroll
from tests.support.smtp import Inbox, deliver, free_port, later, smtp_server


async def _confirmed(client: AsyncTestClient[Any], username: str = "M0001") -> tuple[dict[str, str], str]:
    member = await login(client, username)
    booking = await paid_by_payroll(client, member)
    return member, booking["id"]


async def _speaks(settings: Settings, number: str, language: str) -> None:
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await session.execute(
                update(Member).where(Member.member_number == number).values(preferred_language=language)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _rows(settings: Settings) -> list[OutboxMessage]:
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))
    finally:
        await engine.dispose()


async def test_the_confirmation_arrives_once_with_a_pass_that_decodes_and_an_ics(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    await _speaks(settings, "M0001", "fr")
    member, booking_id = await _confirmed(client)
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 1
    assert await deliver(settings, later(NOW, minutes=30), smtp_port=port) == 0
    [message] = box.to("m0001@members.estivage.example")
    assert message["Message-ID"].startswith("<")
    payload = (await client.get(f"/api/bookings/{booking_id}/pass", headers=member)).json()["payload"]
    parts = {part.get_content_type(): part for part in message.iter_attachments()}
    png = parts["image/png"].get_payload(decode=True)
    decoded = zxingcpp.read_barcode(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert decoded is not None
    assert decoded.text == payload
    calendar = icalendar.Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start.isoformat(), end.isoformat()) == ("2026-12-20T14:00:00+01:00", "2026-12-24T12:00:00+01:00")
    html = message.get_body(("html",))
    assert html is not None
    assert 'dir="ltr"' in html.get_content()
    text = message.get_body(("plain",))
    assert text is not None
    assert "14:00" in text.get_content()
    assert "12:00" in text.get_content()
    [row] = await _rows(settings)
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)


class Killed(BaseException):
    """The sender's process dying (SIGKILL) between its claim and its send."""


class DiesBeforeSending:
    async def send(self, message: Outgoing) -> None:
        raise Killed

    async def close(self) -> None:
        return None


async def test_a_sender_killed_between_claim_and_send_loses_nothing_and_sends_nothing_twice(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    await _confirmed(client)
    with pytest.raises(Killed):
        await deliver(settings, later(NOW, seconds=1), transport=DiesBeforeSending(), name="dead")
    # Another sender meanwhile: the dead one's lease still holds the message.
    assert await deliver(settings, later(NOW, seconds=2), smtp_port=port, name="other") == 0
    assert box.messages == []
    # The restarted sender, once the lease has run out: the message goes, once.
    assert await deliver(settings, later(NOW + LEASE, seconds=2), smtp_port=port, name="restarted") == 1
    assert await deliver(settings, later(NOW + LEASE, minutes=60), smtp_port=port) == 0
    assert len(box.to("m0001@members.estivage.example")) == 1


async def test_a_server_down_for_a_while_gets_the_message_when_it_is_back(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _confirmed(client)
    port = free_port()  # nothing listens there yet
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 0
    [row] = await _rows(settings)
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 1)
    assert row.last_error
    with smtp_server(port) as (box, _port):
        assert await deliver(settings, later(NOW, seconds=2), smtp_port=port) == 0  # its back-off first
        assert await deliver(settings, later(NOW, minutes=2), smtp_port=port) == 1
    assert len(box.messages) == 1


async def test_a_refused_address_is_failed_and_not_tried_again(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    box.refuse.add("m0001@members.estivage.example")
    await _confirmed(client)
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 0
    assert await deliver(settings, later(NOW, days=3), smtp_port=port) == 0
    [row] = await _rows(settings)
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 1)
    assert row.last_error is not None
    assert row.last_error.startswith("550")


async def test_a_rolled_back_booking_sends_nothing(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    member = await login(client, "M0001")
    booking_id = (await hold(client, member)).json()["id"]
    handlers = bootstrap.event_handlers(bootstrap.payment_providers(settings), mail=mail_config(settings))

    async def fails_after_the_mail(uow: UnitOfWork, event: BookingConfirmed) -> None:
        raise RuntimeError("the payment step fails after the mail was written")

    handlers.in_transaction(BookingConfirmed, fails_after_the_mail)
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            uow = UnitOfWork(session, handlers)
            async with uow:
                await booking_services.confirm(uow, uuid.UUID(booking_id), NOW)
                with pytest.raises(RuntimeError):
                    await uow.commit()
        async with session_factory(engine)() as session:
            assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    finally:
        await engine.dispose()
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 0
    assert box.messages == []


async def test_an_arabic_member_gets_the_message_right_to_left_in_arabic(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    await _speaks(settings, "M0002", "ar")
    await _confirmed(client, "M0002")
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 1
    [message] = box.messages
    html = message.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert 'dir="rtl"' in content
    assert 'lang="ar"' in content
    assert "تم تأكيد" in str(message["Subject"]) + content


async def test_staff_see_a_failed_message_and_send_it_again_and_the_member_sees_it_in_their_inbox(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    box.refuse.add("m0001@members.estivage.example")
    member, _ = await _confirmed(client)
    await deliver(settings, later(NOW, seconds=1), smtp_port=port)
    staff = await login(client, "staff")
    assert (await client.get("/api/outbox", headers=member)).status_code == 403
    [failed] = (await client.get("/api/outbox?status=failed", headers=staff)).json()
    assert (failed["kind"], failed["attempts"]) == ("booking_confirmed", 1)
    assert failed["last_error"].startswith("550")
    assert (await client.get("/api/outbox?status=sent", headers=staff)).json() == []
    assert (await client.get("/api/outbox?status=lost", headers=staff)).status_code == 400
    [mine] = (await client.get("/api/me/messages", headers=member)).json()
    assert mine["id"] == failed["id"]
    assert "14:00" in mine["body_text"]
    assert (await client.get("/api/me/messages", headers=await login(client, "M0003"))).json() == []

    box.refuse.clear()
    again = await client.post(f"/api/outbox/{failed['id']}/resend", headers=staff)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "pending"
    assert (await client.post(f"/api/outbox/{failed['id']}/resend", headers=staff)).status_code == 409
    assert await deliver(settings, later(NOW, seconds=2), smtp_port=port) == 1
    [sent] = (await client.get("/api/outbox?status=sent", headers=staff)).json()
    assert sent["id"] == failed["id"]
    assert len(box.messages) == 1


async def _many(settings: Settings, count: int) -> list[str]:
    """``count`` messages in the outbox, to as many addresses (which it returns)."""
    addresses = [f"reader{i:02}@example.org" for i in range(count)]
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            for address in addresses:
                letter = Letter("fr", f"Message to {address}", "Bonjour,", ("Un message.",))
                await enqueue(
                    session, key=address, kind="test", user_id=None, recipient=address, letter=letter, now=NOW
                )
            await session.commit()
    finally:
        await engine.dispose()
    return addresses


@pytest.mark.parametrize("backend", ["postgres"])
async def test_two_senders_at_once_on_postgresql_send_every_message_exactly_once(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    addresses = await _many(settings, 40)
    # Small batches, so that the two take turns claiming while the other sends.
    sent = await asyncio.gather(
        deliver(settings, later(NOW, seconds=1), smtp_port=port, name="one", batch=2),
        deliver(settings, later(NOW, seconds=1), smtp_port=port, name="two", batch=2),
    )
    assert sum(sent) == 40
    assert all(sent), sent  # both took part
    assert await deliver(settings, later(NOW + LEASE, minutes=60), smtp_port=port) == 0
    assert sorted(str(m["To"]) for m in box.messages) == addresses
    assert len({str(m["Message-ID"]) for m in box.messages}) == 40
    rows = await _rows(settings)
    assert {(row.status, row.attempts) for row in rows} == {(MessageStatus.SENT, 1)}
    assert {row.claimed_by for row in rows} == {"one", "two"}
