"""Staff configuration as a page per subject, each save confirmed once; a promotion's page shows and edits
its conditions (issue 19, items 5 and 8)."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import login
from tests.e2e.test_pages import field_problem, page_login, post_form, switch_language


async def test_each_subject_has_its_page_and_a_save_is_confirmed_once(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    index = await client.get("/staff/config", follow_redirects=False)
    assert (index.status_code, index.headers["location"]) == (303, "/staff/config/seasons")
    for subject, form_id in (("seasons", "set-season"), ("tariffs", "set-tariff"), ("quotas", "set-quota")):
        shown = await client.get(f"/staff/config/{subject}")
        assert shown.status_code == 200, subject
        assert f'id="nav-config-{subject}" aria-current="page"' in shown.text
        for other in ("seasons", "tariffs", "quotas", "promotions"):
            assert f'id="nav-config-{other}"' in shown.text  # every subject is one link away
        assert f'id="{form_id}"' in shown.text
    assert (await client.get("/staff/config/nothing")).status_code == 404
    assert 'href="/staff/config/seasons" id="nav-config"' in shown.text

    # Seasons are named in the selects, not coded.
    staff = await login(client, "staff")
    seasons = (await client.get("/api/seasons", headers=staff)).json()
    tariffs = (await client.get("/staff/config/tariffs")).text
    select = re.search(r'<select id="f-tariff-season" name="season">.*?</select>', tariffs, re.S)
    assert select
    first = seasons[0]
    assert f'<option value="{first["code"]}">{html.escape(first["name_fr"])}</option>' in select.group(0)
    # The form comes before the list: a problem is on screen, next to its field, not below the table.
    refused = await post_form(
        client,
        "/staff/config/tariffs",
        "/staff/config/tariff",
        {
            "season": first["code"],
            "centre": "ifrane",
            "unit_type": "studio",
            "category": "active",
            "nightly": "x",
        },
    )
    assert refused.status_code == 422
    assert field_problem(refused.text, "tariff-nightly")
    assert refused.text.index('id="e-tariff-nightly"') < refused.text.index('<table id="tariffs">')
    assert 'class="flash' not in refused.text

    key = {"season": first["code"], "centre": "ifrane", "unit_type": "studio", "category": "active"}
    saved = await post_form(
        client, "/staff/config/tariffs", "/staff/config/tariff", {**key, "nightly": "321"}
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/staff/config/tariffs")
    after = await client.get("/staff/config/tariffs")
    assert '<p class="flash success">Tarif enregistré.</p>' in after.text
    assert "Tarif enregistré." not in (await client.get("/staff/config/tariffs")).text  # once

    await switch_language(client, "ar", "/staff")
    quota = await post_form(client, "/staff/config/quotas", "/staff/config/quota", {**key, "units": "1"})
    assert quota.headers["location"] == "/staff/config/quotas"
    assert "تم حفظ الحصة." in (await client.get("/staff/config/quotas")).text
    season = await post_form(
        client, "/staff/config/seasons", "/staff/config/season", {"season": first["code"], "min_nights": "2"}
    )
    assert season.headers["location"] == "/staff/config/seasons"
    assert "تم حفظ الموسم." in (await client.get("/staff/config/seasons")).text


async def test_a_promotion_page_shows_and_edits_its_conditions(client: AsyncTestClient[Any]) -> None:
    await page_login(client, "staff")
    new = {
        "name": "Printemps",
        "kind": "percentage",
        "percent": "15",
        "centres": "sidi-bouzid",
        "categories": "retired",
        "stay_from": "2027-03-01",
        "stay_until": "2027-04-30",
        "min_nights": "3",
        "max_uses_per_member": "1",
        "budget": "5000",
    }
    created = await post_form(client, "/staff/promotions", "/staff/promotions", new)
    assert created.status_code == 303, created.text
    listing = await client.get("/staff/promotions")
    assert "Promotion créée." in listing.text
    promotion_id = re.findall(r'data-promotion="(\d+)"', listing.text)[-1]
    url = f"/staff/promotions/{promotion_id}"

    shown = (await client.get(url)).text
    conditions = re.search(r'<section class="card" id="conditions">.*?</section>', shown, re.S)
    assert conditions
    text = html.unescape(conditions.group(0))
    assert re.search(r'id="cond-kind">Pourcentage · <bdi>15[\s\u00a0\u202f]?%</bdi>', text)
    assert re.search(r'id="cond-centres">Asianda<', text)  # by name, not by code
    assert re.search(r'id="cond-categories">Retraités<', text)
    assert re.search(r'id="cond-min-nights">3<', text)
    assert re.search(r'id="cond-per-member">1<', text)
    assert re.search(r"/ <bdi>5[\s\u00a0\u202f]000,00", text)  # the budget
    # The edit form holds every condition as stored.
    assert re.search(r'id="f-percent" name="percent" type="number" value="15.00"', shown)
    assert re.search(r'value="sidi-bouzid" checked', shown)
    assert re.search(r'id="f-stay_until" name="stay_until" type="date" value="2027-04-30"', shown)

    # Another kind, another centre, the stay window opened at its start, no per-member cap.
    edit = {
        "conditions": "1",
        "name": "Printemps",
        "kind": "fixed",
        "amount": "200",
        "centres": "ifrane",
        "categories": "",
        "stay_from": "",
        "stay_until": "2027-05-15",
        "min_nights": "2",
        "max_uses_per_member": "",
        "budget": "5000",
    }
    saved = await post_form(client, url, url, edit)
    assert (saved.status_code, saved.headers["location"]) == (303, url)
    page = await client.get(url)
    assert "Promotion enregistrée." in page.text
    stored = (
        await client.get(f"/api/promotions/{promotion_id}", headers=await login(client, "staff"))
    ).json()
    assert stored["kind"] == "fixed"
    assert stored["amount"]["amount_minor"] == 20_000
    assert stored["percent_bp"] is None  # a fixed amount keeps no percent
    assert (stored["centres"], stored["categories"]) == (["ifrane"], [])
    assert (stored["stay_from"], stored["stay_until"], stored["min_nights"]) == (None, "2027-05-15", 2)
    assert stored["max_uses_per_member"] is None
    assert re.search(r'id="cond-centres">Al Arz<', html.unescape(page.text))

    # Impossible conditions are refused next to their field, and nothing changes.
    bad = {**edit, "kind": "stay_pay", "stay_nights": "3", "pay_nights": "3"}
    refused = await post_form(client, url, url, bad)
    assert refused.status_code == 422
    assert field_problem(refused.text, "pay_nights")
    assert re.search(r'id="f-stay_nights" name="stay_nights" type="number" value="3"', refused.text)
    backwards = await post_form(client, url, url, {**edit, "stay_from": "2027-06-01"})
    assert backwards.status_code == 422
    assert field_problem(backwards.text, "stay_until")
    again = (await client.get(f"/api/promotions/{promotion_id}", headers=await login(client, "staff"))).json()
    assert again == stored
