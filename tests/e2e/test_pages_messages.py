"""The mail outbox in the pages: head office see each message's state, filter by it, and send a failed one
again (a form with its CSRF token, a notice after); a member reads their own messages in their inbox."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from notifications.models import OutboxMessage
from tests.conftest import NOW, login
from tests.e2e.test_pages import csrf_of, flashed_once, page_login, post_form, switch_language
from tests.integration.test_mail import _confirmed
from tests.support.smtp import Inbox, deliver, later


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-message="([^"]+)" data-status="([^"]+)">', page)


async def _one_failed(client: AsyncTestClient[Any], settings: Settings, box: Inbox, port: int) -> None:
    """M0003's confirmation refused by the mail server for good; M0004's delivered."""
    box.refuse.add("m0003@members.estivage.example")
    await _confirmed(client, "M0003")
    await _confirmed(client, "M0004")
    assert await deliver(settings, later(NOW, seconds=1), smtp_port=port) == 1


async def test_staff_see_each_message_by_state_and_send_a_failed_one_again(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    await _one_failed(client, settings, box, port)
    await page_login(client, "staff")
    whole = await client.get("/staff/outbox")
    assert whole.status_code == 200
    assert 'href="/staff/outbox" id="nav-outbox"' in whole.text
    assert sorted(status for _id, status in _rows(whole.text)) == ["failed", "sent"]
    assert re.search(r'data-state="failed">En échec \(1\)</a>', whole.text)
    assert re.search(r'data-state="sent">Envoyé \(1\)</a>', whole.text)
    assert "550" in whole.text  # the server's refusal, as it said it

    failed = await client.get("/staff/outbox", params={"status": "failed"})
    [(message_id, _status)] = _rows(failed.text)
    assert "m0003@members.estivage.example" in failed.text
    assert len(re.findall(r'action="/staff/outbox/[^"]+/resend', failed.text)) == 1
    assert 'id="no-message"' in (await client.get("/staff/outbox", params={"status": "pending"})).text
    assert len(_rows((await client.get("/staff/outbox", params={"status": "lost"})).text)) == 2

    url = f"/staff/outbox/{message_id}/resend?status=failed"
    refused = await client.post(url, data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token: nothing changes
    assert len(_rows((await client.get("/staff/outbox", params={"status": "failed"})).text)) == 1

    box.refuse.clear()
    again = await post_form(client, "/staff/outbox?status=failed", url, {})
    assert again.status_code == 303
    assert again.headers["location"] == "/staff/outbox?status=failed"  # the list it was on, filtered
    after = await flashed_once(client, again.headers["location"], "Le message sera renvoyé dans un instant.")
    assert _rows(after) == []  # no longer failed
    assert (message_id, "pending") in _rows((await client.get("/staff/outbox")).text)

    twice = await post_form(client, "/staff/outbox", f"/staff/outbox/{message_id}/resend", {})
    assert twice.status_code == 409
    assert "Seul un message en échec est renvoyé" in html.unescape(twice.text)
    assert await deliver(settings, later(NOW, seconds=2), smtp_port=port) == 1
    assert len(box.to("m0003@members.estivage.example")) == 1
    sent = await client.get("/staff/outbox", params={"status": "sent"})
    assert (message_id, "sent") in _rows(sent.text)


async def test_a_member_reads_their_own_messages_in_their_inbox_in_their_language(
    client: AsyncTestClient[Any], settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    await _one_failed(client, settings, box, port)
    await page_login(client, "M0003")
    await switch_language(client, "fr", "/me/messages")
    page = await client.get("/me/messages")
    assert page.status_code == 200
    assert 'href="/me/messages" id="nav-messages"' in page.text
    [message_id] = re.findall(r'<details class="card" data-message="([^"]+)">', page.text)
    text = html.unescape(page.text)
    # The message as it was written, in the member's language (M0003 reads Arabic), in a French page.
    assert "تم تأكيد" in text
    assert '<div class="message-body" lang="ar" dir="rtl">' in text
    assert "14:00" in text  # the body, opened in place
    assert 'class="badge cancelled">En échec' in text

    await switch_language(client, "ar", "/me/messages")
    arabic = await client.get("/me/messages")
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "رسائلي" in arabic.text
    assert message_id in arabic.text

    staff = await login(client, "staff")
    other = [m for m in (await client.get("/api/outbox", headers=staff)).json() if m["id"] != message_id]
    await page_login(client, "M0005")
    nobody = await client.get("/me/messages")
    assert 'id="no-message"' in nobody.text
    assert all(m["id"] not in nobody.text for m in other)
    assert csrf_of(nobody.text)


async def _many_messages(settings: Settings, count: int) -> None:
    """``count`` messages, one a minute, every tenth to M0042's address and every seventh failed."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        for i in range(count):
            written = NOW - timedelta(minutes=count - i)
            to = "m0042@members.estivage.example" if i % 10 == 0 else f"other{i}@members.estivage.example"
            session.add(
                OutboxMessage(
                    key=f"test:{i}",
                    kind="booking_confirmed",
                    recipient=to,
                    language="fr",
                    subject=f"message {i}",
                    body_text="",
                    status="failed" if i % 7 == 0 else "sent",
                    next_attempt_at=written,
                    created_at=written,
                )
            )
        await session.commit()
    await engine.dispose()


async def test_staff_page_through_every_message_and_find_one_members_mail(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _many_messages(settings, 130)
    await page_login(client, "staff")
    seen: list[str] = []
    url = "/staff/outbox"
    for _ in range(5):  # 50 a page: three pages, then no older link
        shown = await client.get(url)
        assert shown.status_code == 200
        seen += [html.unescape(s) for s in re.findall(r"<bdi>(message \d+)</bdi>", shown.text)]
        older = re.search(r'<a href="([^"]+)" id="older"', shown.text)
        if older is None:
            break
        url = html.unescape(older.group(1))
    assert seen == [f"message {i}" for i in reversed(range(130))]  # each once, newest first

    mine = await client.get("/staff/outbox", params={"to": "M0042@Members"})  # any case, part of it
    assert re.findall(r"<bdi>(message \d+)</bdi>", mine.text) == [f"message {i}" for i in range(120, -1, -10)]
    assert 'value="M0042@Members"' in mine.text
    failed = await client.get("/staff/outbox", params={"to": "m0042", "status": "failed"})
    assert re.findall(r"<bdi>(message \d+)</bdi>", failed.text) == ["message 70", "message 0"]
    assert 'href="/staff/outbox?status=sent&amp;to=m0042"' in failed.text  # the state keeps the recipient
    nobody = await client.get("/staff/outbox", params={"to": "50%_"})  # wildcards are letters here
    assert 'id="no-message"' in nobody.text
    assert (await client.get("/staff/outbox", params={"before": "not-an-id"})).status_code == 404
    api = await client.get(
        "/api/outbox", params={"recipient": "m0042", "limit": 5}, headers=await login(client, "staff")
    )
    assert [m["subject"] for m in api.json()] == [f"message {i}" for i in range(120, 70, -10)]
    before = await client.get(
        "/api/outbox",
        params={"recipient": "m0042", "limit": 5, "before": api.json()[-1]["id"]},
        headers=await login(client, "staff"),
    )
    assert [m["subject"] for m in before.json()] == [f"message {i}" for i in range(70, 20, -10)]
