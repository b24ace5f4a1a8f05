"""Staff's summer campaigns page: each summer with its campaign's state and counts, and the steps in order
from the page (open, close applications, run the draw, settle, open sale), each behind a confirmation
page whose form carries the CSRF token and calls the API's use case; a step before its time is refused
beside the form (409), a bad form is 422, an unknown step 404; a centre manager cannot."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import Clock, login
from tests.e2e.test_campaigns import BUNGALOW, CODE, apply
from tests.e2e.test_campaigns_offers import _own, _pay
from tests.e2e.test_pages import csrf_of, page_login, post_form

PAGE = f"/staff/campaigns/{CODE}"


async def _step(client: AsyncTestClient[Any], step: str) -> Any:
    confirm = await client.get(f"{PAGE}/{step}")
    assert confirm.status_code == 200, confirm.text
    assert 'id="step-explained"' in confirm.text
    return await client.post(
        f"{PAGE}/{step}", data={"_csrf_token": csrf_of(confirm.text)}, follow_redirects=False
    )


async def _shown(client: AsyncTestClient[Any], response: Any) -> str:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == PAGE
    return str((await client.get(PAGE)).text)


def _flash(html: str) -> str:
    found = re.search(r'<p class="flash success">([^<]+)</p>', html)
    assert found, html
    return found.group(1)


async def test_staff_take_a_summer_from_opening_to_open_sale_from_the_page(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    await page_login(client, "staff")
    listed = (await client.get("/staff/campaigns")).text
    assert 'href="/staff/campaigns" id="nav-campaigns"' in listed
    row = re.search(rf'<tr data-campaign="{CODE}">.*?</tr>', listed, re.S)
    assert row
    assert '<td class="state">Aucune campagne pour l’instant</td>' in row.group(0)

    bad = await post_form(client, PAGE, PAGE, {"applications_close_on": "30/11", "retired_percent": "0"})
    assert bad.status_code == 422
    assert re.search(r'<p class="problem" id="e-applications_close_on" role="alert">[^<]+</p>', bad.text)
    no_time = {"applications_close_on": "2026-11-30", "offer_validity_hours": "0", "retired_percent": "0"}
    zero = await post_form(client, PAGE, PAGE, no_time)
    assert zero.status_code == 422  # an offer needs at least an hour to be paid
    assert re.search(r'<p class="problem" id="e-offer_validity_hours" role="alert">[^<]+</p>', zero.text)
    too_many = await post_form(
        client, PAGE, PAGE, {**no_time, "offer_validity_hours": "48", "retired_percent": "x"}
    )
    assert too_many.status_code == 422
    assert re.search(r'<p class="problem" id="e-retired_percent" role="alert">[^<]+</p>', too_many.text)
    opened = await post_form(
        client,
        PAGE,
        PAGE,
        {"applications_close_on": "2026-11-30", "offer_validity_hours": "48", "retired_percent": "0"},
    )
    page = await _shown(client, opened)
    assert _flash(page) == "Campagne ouverte : les adhérents peuvent candidater."
    assert '<dd id="campaign-state">Ouverte aux candidatures</dd>' in page
    twice = await post_form(client, PAGE, PAGE, {"applications_close_on": "2026-11-30"})
    assert twice.status_code == 409  # one campaign a summer: said beside the form

    members = {name: await login(client, name) for name in ("M0001", "M0002")}
    for headers in members.values():
        assert (await apply(client, headers, BUNGALOW)).status_code == 201
    assert '<dd id="applications">2</dd>' in (await client.get(PAGE)).text

    early = await _step(client, "close")
    assert early.status_code == 409  # applications are open until the 30th
    assert re.search(r'<p class="problem" role="alert" id="step-problem">[^<]+</p>', early.text)
    assert (await client.get(f"{PAGE}/draw")).status_code == 200  # shown, refused when run
    assert (await _step(client, "draw")).status_code == 409

    clock.advance(days=8)
    page = await _shown(client, await _step(client, "close"))
    assert '<dd id="campaign-state">Candidatures closes : le tirage est la prochaine étape</dd>' in page
    assert 'id="step-draw"' in page
    page = await _shown(client, await _step(client, "draw"))
    assert _flash(page) == "Tirage effectué. Offres faites : 2 ; candidats en liste d’attente : 0."
    assert '<dd id="offers-offered">2</dd>' in page

    waiting = await _step(client, "open-sale")
    assert waiting.status_code == 409  # two offers still await payment
    await _pay(client, members["M0001"])
    assert (await _own(client, members["M0002"]))["offer"]["payment_deadline"]
    clock.advance(hours=49)
    page = await _shown(client, await _step(client, "settle"))
    assert _flash(page) == "Offres réglées. Payées : 1 ; caduques : 1 ; nouvelles offres : 0."
    page = await _shown(client, await _step(client, "open-sale"))
    assert _flash(page) == "Les logements restants de l’été sont en vente libre."
    assert '<dd id="campaign-state">Tirée, les logements restants en vente libre</dd>' in page
    assert 'id="step-open-sale"' not in page
    assert 'id="open-sale-at"' in page
    assert (await client.get(f"{PAGE}/nothing")).status_code == 404
    assert (await client.get("/staff/campaigns/summer-1999")).status_code == 404
    assert (await client.get("/staff/campaigns/summer-1999/close")).status_code == 404


async def test_a_centre_manager_cannot_run_a_campaign(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "manager-ifrane")
    token = csrf_of((await client.get("/account")).text)
    assert (await client.get("/staff/campaigns")).status_code == 403
    assert (await client.get(PAGE)).status_code == 403
    opened = await client.post(
        PAGE, data={"_csrf_token": token, "applications_close_on": "2026-11-30"}, follow_redirects=False
    )
    assert opened.status_code == 403
    staff = await login(client, "staff")
    assert (await client.get(f"/api/campaigns/{CODE}", headers=staff)).status_code == 404
