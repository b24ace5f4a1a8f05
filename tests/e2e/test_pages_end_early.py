"""Staff end a stay in progress early from its booking page: a confirmation page with each refund rule's
words and amount, a form with the page's CSRF token calling the API's use case, the refund as the rule
says, the words after it; a bad amount or a stay no longer in progress is shown beside the form (422,
409), never a 500; a centre's manager, of that centre or another, cannot."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from tests.conftest import Clock, assert_ledger_balanced, login
from tests.e2e.test_gate_fleet import _stay
from tests.e2e.test_pages import csrf_of, page_login, post_form


async def _in_progress(client: AsyncTestClient[Any], clock: Clock) -> dict[str, Any]:
    """M0001's Ifrane stay of 20-24 December, checked in, on its third day (22 December)."""
    stay = await _stay(client, "M0001")
    clock.advance(days=27)
    staff = await login(client, "staff")
    checked_in = await client.post(f"/api/bookings/{stay['booking_id']}/check-in", headers=staff)
    assert checked_in.status_code == 200, checked_in.text
    clock.advance(days=2)
    return dict((await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json())


async def test_staff_end_a_stay_early_from_its_page_and_the_unused_nights_are_refunded(
    client: AsyncTestClient[Any], clock: Clock, settings: Settings
) -> None:
    booking = await _in_progress(client, clock)
    nightly = [n["amount_minor"] for n in booking["price"]["nightly"]]
    total = booking["price"]["total"]["amount_minor"]
    unused = total * sum(nightly[2:]) // sum(nightly)  # the nights of the 22nd and 23rd
    await page_login(client, "staff")
    page = f"/staff/bookings/{booking['id']}"
    shown = (await client.get(page)).text
    assert f'href="{page}/end-early"' in shown
    # At the desk, the arrival day's list leads staff there too.
    desk = (await client.get("/manage/ifrane?day=2026-12-20")).text
    assert f'<a href="{page}/end-early" class="button" id="end-early-{booking["id"]}">' in desk

    confirm = await client.get(f"{page}/end-early")
    assert confirm.status_code == 200, confirm.text
    assert 'id="end-early-rule"' in confirm.text
    offered = re.findall(r'<input type="radio" name="refund" value="([a-z_]+)"', confirm.text)
    assert offered == ["unused_nights", "none", "full", "amount"]
    # Each rule's refund is shown before anything changes: the unused nights' share, nothing, all.
    previews = re.findall(r"<strong><bdi>([^<]+)</bdi></strong>", confirm.text)
    assert len(previews) == 3
    assert [re.sub(r"\D", "", p) for p in previews] == [str(unused), "0" * 3, str(total)]

    too_much = await post_form(
        client, f"{page}/end-early", f"{page}/end-early", {"refund": "amount", "amount": str(total)}
    )
    assert too_much.status_code == 422, too_much.text
    assert re.search(r'<p class="problem" id="e-amount" role="alert">[^<]+</p>', too_much.text)
    not_a_rule = await post_form(client, f"{page}/end-early", f"{page}/end-early", {"refund": "half"})
    assert not_a_rule.status_code == 422
    assert '<p class="problem" id="e-refund" role="alert">Choisissez une valeur de la liste.</p>' in (
        not_a_rule.text
    )
    staff = await login(client, "staff")
    unchanged = (await client.get(f"/api/bookings/{booking['id']}", headers=staff)).json()
    assert unchanged["status"] == "checked_in"

    ended = await post_form(client, f"{page}/end-early", f"{page}/end-early", {"refund": "unused_nights"})
    assert ended.status_code == 303, ended.text
    assert ended.headers["location"] == page
    after = (await client.get(page)).text
    words = r'<p class="flash success">Séjour terminé aujourd’hui : ([^<]+) remboursés\.</p>'
    flash = re.search(words, after)
    assert flash, after
    assert re.sub(r"\D", "", flash.group(1)) == str(unused)
    read = (await client.get(f"/api/bookings/{booking['id']}", headers=staff)).json()
    assert read["status"] == "checked_out"
    assert read["refund"]["amount_minor"] == unused
    assert 'id="end-early-link"' not in after
    await assert_ledger_balanced(settings)

    again = await post_form(client, page, f"{page}/end-early", {"refund": "full"})
    assert again.status_code == 409
    assert re.search(r'<p class="problem" role="alert" id="e-end-early">[^<]+</p>', again.text)
    # Over, the page says why nothing can be done and offers no form, nor a figure to misread.
    assert 'id="not-in-progress"' in again.text
    assert 'id="paid"' not in again.text
    assert 'name="refund"' not in again.text


async def test_a_centre_manager_cannot_end_a_stay_early(client: AsyncTestClient[Any], clock: Clock) -> None:
    booking = await _in_progress(client, clock)
    for manager in ("manager-saidia", "manager-ifrane"):
        await page_login(client, manager)
        token = csrf_of((await client.get("/account")).text)
        url = f"/staff/bookings/{booking['id']}/end-early"
        assert (await client.get(url)).status_code == 403
        if manager == "manager-ifrane":  # their desk shows the stay, and no way to end it early
            desk = (await client.get("/manage/ifrane?day=2026-12-20")).text
            assert f'data-booking="{booking["id"]}"' in desk
            assert "end-early" not in desk
        refused = await client.post(
            url, data={"_csrf_token": token, "refund": "full"}, follow_redirects=False
        )
        assert refused.status_code == 403
    staff = await login(client, "staff")
    read = (await client.get(f"/api/bookings/{booking['id']}", headers=staff)).json()
    assert (read["status"], read["refund"]) == ("checked_in", None)
