"""The members' summer page: apply in Arabic and French, edit, a problem next to its select, withdraw; after
the staff close and draw, the offer with its deadline and a working pay link, the waiting place, decline
with a confirmation step; nobody sees or acts on another member's application."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from datetime import timedelta
from typing import Any

import pytest

from kernel.i18n import translator
from kernel.settings import Settings
from tests.conftest import NOW, Clock, login
from tests.e2e.test_campaigns import APT, BUNGALOW, CODE, DEADLINE, Client, apply, open_campaign
from tests.e2e.test_pages import page_login, post_form, switch_language

APPLY = f"/summer/{CODE}/application"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Members, staff and managers log in many times from one test client."""
    return dataclasses.replace(settings, login_attempts_per_minute=10_000)


def form(*choices: dict[str, str], party: int | str = 4) -> dict[str, str]:
    """The application form as a browser posts it: three rows of selects, blank rows left out."""
    data = {"party_size": str(party)}
    for row, choice in enumerate(choices):
        for part in ("centre", "rotation", "unit_type"):
            data[f"choices[{row}].{part}"] = choice.get(part, "")
    return data


def field(html: str, name: str) -> str:
    """The `_field.html` block of one select of the campaign's form."""
    found = re.search(
        rf'<div class="field[^"]*">\s*<label for="f-{CODE}-{re.escape(name)}">.*?</div>', html, re.S
    )
    assert found, f"the page has the field {name}"
    return found.group(0)


def selected(html: str, name: str) -> str | None:
    found = re.search(r'<option value="([^"]*)" selected>', field(html, name))
    return found.group(1) if found else None


async def own(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/campaigns/{CODE}/application", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_member_applies_edits_sees_a_problem_next_to_its_select_and_withdraws(client: Client) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    await page_login(client, "M0001")  # prefers Arabic
    empty = await client.get("/summer")
    assert empty.status_code == 200
    assert '<html lang="ar" dir="rtl">' in empty.text
    assert 'href="/summer" id="nav-summer"' in empty.text
    assert "الاصطياف الصيفي" in empty.text
    assert f"<bdi>{translator('ar').moment(DEADLINE)}</bdi>" in empty.text  # in Casablanca time
    # The guided form: the centres of the campaign's slots first; no rotation before a centre is chosen.
    assert re.search(r'<option value="ifrane">[^<]+</option>', field(empty.text, "choices[0].centre"))
    assert '<option value="r1"' not in field(empty.text, "choices[0].rotation")
    assert '<option value="bungalow"' not in field(empty.text, "choices[0].unit_type")
    # "Show the matching choices" (without JavaScript) saves nothing and narrows the next select: the
    # centre's rotations by their dates (not their codes), then the unit types that hold six persons.
    step = {"step": "refresh"}
    centre = await post_form(client, "/summer", APPLY, {**form({"centre": "ifrane"}, party=6), **step})
    assert centre.status_code == 200
    assert re.search(
        r'<option value="r1">1–11 يوليوز 2027</option>', field(centre.text, "choices[0].rotation")
    )
    rotation = await post_form(
        client, "/summer", APPLY, {**form({**BUNGALOW, "unit_type": ""}, party=6), **step}
    )
    unit_types = field(rotation.text, "choices[0].unit_type")
    assert re.search(r'<option value="bungalow">[^<]+ · [^<]*6', unit_types)
    assert 'value="apt2"' not in unit_types  # five persons at most: not offered to six
    # A choice the party no longer fits is emptied, not kept: apt2 chosen, then the party grows to six.
    grown = await post_form(client, "/summer", APPLY, {**form(APT, party=6), **step})
    assert selected(grown.text, "choices[0].rotation") == "r2"
    assert selected(grown.text, "choices[0].unit_type") == ""
    assert (
        await client.get(f"/api/campaigns/{CODE}/application", headers=await login(client, "M0001"))
    ).status_code == 404
    # With htmx, a change sends the same step and the form is swapped in place (the same answer).
    hx = await post_form(client, "/summer", APPLY, {**form({"centre": "ifrane"}, party=6), **step})
    assert 'hx-trigger="change"' in hx.text
    assert 'hx-select="#apply-' in hx.text

    created = await post_form(client, "/summer", APPLY, form(BUNGALOW))
    assert created.status_code == 303, created.text
    mine = await own(client, await login(client, "M0001"))
    shown = await client.get("/summer")
    # The confirmation, once: the next page does not repeat it.
    assert '<div class="flashes" id="flashes" role="status">' in shown.text
    assert "تم حفظ طلبك." in shown.text
    assert "تم حفظ طلبك." not in (await client.get("/summer")).text
    # Latin inside Arabic text: isolated, so the bidi algorithm does not reorder it with its neighbours.
    assert f'<bdi class="public-id" id="public-id-{CODE}">{mine["public_id"]}</bdi>' in shown.text
    assert selected(shown.text, "choices[0].unit_type") == "bungalow"
    assert "حفظ التعديلات" in shown.text  # the form now edits the application

    # Six persons do not fit the two-room apartment: said next to the first choice's unit type, in Arabic.
    too_many = await post_form(client, "/summer", APPLY, form(APT, BUNGALOW, party=6))
    assert too_many.status_code == 422
    unit_type = field(too_many.text, "choices[0].unit_type")
    assert 'class="field invalid"' in unit_type
    assert "عدد الأشخاص يفوق سعة هذه الوحدة" in unit_type
    assert 'class="field invalid"' not in field(too_many.text, "choices[1].unit_type")
    assert selected(too_many.text, "choices[0].centre") == "ifrane"  # what was posted stays on the form
    assert selected(too_many.text, "choices[0].unit_type") == "apt2"

    # In French: a duplicate in the third row (the second left blank) is shown on the third row.
    await switch_language(client, "fr")
    duplicate = await post_form(client, "/summer", APPLY, form(BUNGALOW, {}, BUNGALOW, party=2))
    assert duplicate.status_code == 422
    assert '<html lang="fr" dir="ltr">' in duplicate.text
    third = re.search(
        rf'<fieldset class="choice invalid" id="{CODE}-choice-2">.*?</fieldset>', duplicate.text, re.S
    )
    assert third, "the third choice is marked"
    assert "Ce choix figure déjà plus haut." in third.group(0)
    partial = await post_form(client, "/summer", APPLY, form({**APT, "rotation": ""}, party=2))
    assert partial.status_code == 422
    assert "Champ obligatoire." in field(partial.text, "choices[0].rotation")

    edited = await post_form(client, "/summer", APPLY, form(APT, BUNGALOW, party=3))
    assert edited.status_code == 303, edited.text
    after = await own(client, await login(client, "M0001"))
    assert (after["public_id"], after["choices"], after["party_size"]) == (
        mine["public_id"],
        [APT, BUNGALOW],
        3,
    )

    withdrawn = await post_form(client, "/summer", f"/summer/{CODE}/withdraw", {})
    assert withdrawn.status_code == 303
    page = await client.get("/summer")
    assert "Votre demande est retirée." in html.unescape(page.text)
    assert f'id="withdrawn-{CODE}"' in page.text
    assert f'id="public-id-{CODE}"' not in page.text
    assert (await own(client, await login(client, "M0001")))["status"] == "withdrawn"
    again = await post_form(client, "/summer", APPLY, form(BUNGALOW, party=2))
    assert again.status_code == 303
    assert (await own(client, await login(client, "M0001")))["public_id"] == mine["public_id"]

    # Another member sees only their own (none) and cannot withdraw anyone's.
    await page_login(client, "M0002")
    theirs = await client.get("/summer")
    assert mine["public_id"] not in theirs.text
    assert f'id="public-id-{CODE}"' not in theirs.text
    assert (await post_form(client, "/summer", f"/summer/{CODE}/withdraw", {})).status_code == 404
    assert (await own(client, await login(client, "M0001")))["status"] == "submitted"


async def test_after_the_draw_offer_paid_waiting_and_declined(client: Client, clock: Clock) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    names = ["M0001", "M0002", "M0003", "M0004"]  # four applicants for the three r1 bungalows
    members = {name: await login(client, name) for name in names}
    for headers in members.values():
        assert (await apply(client, headers, BUNGALOW)).status_code == 201
    # While applications are open: the seed's commitment is public, the digest and inputs are not yet.
    await page_login(client, "M0001")
    opened = await client.get("/summer")
    commitment = (await client.get(f"/api/campaigns/{CODE}", headers=staff)).json()["seed_commitment"]
    assert commitment in opened.text
    assert f'id="digest-{CODE}"' not in opened.text
    assert f'id="close-commitment-{CODE}"' not in opened.text  # no close seed before the close
    assert f'href="/api/campaigns/{CODE}/inputs.json"' not in opened.text

    clock.advance(days=8)
    closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    await page_login(client, "M0001")
    await switch_language(client, "fr")
    waiting_draw = await client.get("/summer")
    assert f'id="closed-{CODE}"' in waiting_draw.text
    assert 'data-result="pending"' in waiting_draw.text
    assert closed.json()["seed_commitment"] == commitment  # committed at the opening, not at close
    assert f'id="digest-{CODE}">{closed.json()["applications_digest"]}<' in waiting_draw.text
    close_commitment = closed.json()["close_seed_commitment"]
    assert f'id="close-commitment-{CODE}">{close_commitment}<' in waiting_draw.text
    assert "Engagement sur la graine de clôture" in waiting_draw.text
    for secret in ("seed", "close-seed"):  # both seeds stay secret until the draw
        assert f'id="{secret}-{CODE}"' not in waiting_draw.text
    assert f'action="{APPLY}"' not in waiting_draw.text

    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert drawn.status_code == 200, drawn.text
    results = {name: await own(client, headers) for name, headers in members.items()}
    offered = [name for name in names if results[name]["result"] == "offer"]
    waiting = next(name for name in names if results[name]["result"] == "waiting")
    payer, decliner = offered[0], offered[1]

    # The offer: slot, price, payment deadline, and a pay button that goes through the ordinary checkout.
    await page_login(client, payer)
    await switch_language(client, "fr")
    page = await client.get("/summer")
    assert 'data-result="offer"' in page.text
    deadline = translator("fr").moment(NOW + timedelta(days=8, hours=48))
    assert f'id="pay-before-{CODE}"><bdi>{deadline}</bdi>' in page.text
    booking_id = results[payer]["offer"]["booking_id"]
    assert f'id="pay-offer-{CODE}" href="/bookings/{booking_id}"' in page.text
    price = re.search(rf'id="offer-price-{CODE}">([^<]+)<', page.text)
    assert price
    seed = re.search(rf'id="seed-{CODE}">([0-9a-f]+)<', page.text)
    assert seed
    assert hashlib.sha256(bytes.fromhex(seed.group(1))).hexdigest() == closed.json()["seed_commitment"]
    close_seed = re.search(rf'id="close-seed-{CODE}">([0-9a-f]+)<', page.text)
    assert close_seed
    assert hashlib.sha256(bytes.fromhex(close_seed.group(1))).hexdigest() == close_commitment
    for link in ("results.csv", "results.json", "inputs.json", "offers.csv"):
        assert f'href="/api/campaigns/{CODE}/{link}"' in page.text
        assert (await client.get(f"/api/campaigns/{CODE}/{link}")).status_code == 200
    booking_url = f"/bookings/{booking_id}"
    held = await client.get(booking_url)
    assert "En attente de paiement" in held.text
    assert f"<strong>{price.group(1)}</strong>" in held.text
    pay = await post_form(client, booking_url, booking_url + "/pay", {"method": "card"})
    assert pay.status_code == 303, pay.text
    payment_url = pay.headers["location"]
    assert (await post_form(client, payment_url, payment_url + "/confirm", {})).status_code == 303
    paid = await client.get("/summer")
    assert "Séjour payé" in paid.text
    assert f'id="decline-offer-{CODE}"' not in paid.text

    # The waiting member sees their place, and has no offer to decline.
    await page_login(client, waiting)
    await switch_language(client, "ar")
    in_line = await client.get("/summer")
    assert 'data-result="waiting"' in in_line.text
    assert "أنت في لائحة الانتظار" in in_line.text
    assert re.search(r'class="waiting-position">1<', in_line.text)
    assert (await client.get(f"/summer/{CODE}/decline")).status_code == 404
    assert (await post_form(client, "/summer", f"/summer/{CODE}/decline", {})).status_code == 404

    # Decline: a confirmation page first, then the unit goes to the waiting member.
    await page_login(client, decliner)
    confirm = await client.get(f"/summer/{CODE}/decline")
    assert confirm.status_code == 200
    assert 'id="confirm-decline"' in confirm.text
    assert (await own(client, members[decliner]))["offer"]["status"] == "offered"  # nothing happened yet
    declined = await post_form(client, f"/summer/{CODE}/decline", f"/summer/{CODE}/decline", {})
    assert declined.status_code == 303, declined.text
    after = await client.get("/summer")
    assert 'class="flash success"' in after.text
    assert 'data-result="declined"' in after.text
    assert (await own(client, members[waiting]))["result"] == "offer"

    # The paid stay cancelled: once settled, the payer reads that the unit goes to the next in line.
    await page_login(client, payer)
    cancelled = await client.post(f"/api/bookings/{booking_id}/cancel", headers=members[payer])
    assert cancelled.status_code == 200, cancelled.text
    assert (await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)).status_code == 200
    await switch_language(client, "fr")
    gone = await client.get("/summer")
    assert 'data-result="cancelled"' in gone.text
    assert "le logement est proposé au suivant" in gone.text

    # A member who did not apply sees no one's result and has nothing to decline.
    await page_login(client, "M0006")
    outsider = await client.get("/summer")
    assert f'id="not-applied-{CODE}"' in outsider.text
    assert all(results[name]["public_id"] not in outsider.text for name in names)
    assert (await post_form(client, "/summer", f"/summer/{CODE}/decline", {})).status_code == 404


async def test_the_summer_page_is_for_members(client: Client) -> None:
    anonymous = await client.get("/summer", follow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login?next=%2Fsummer")
    for who in ("manager-ifrane", "staff"):
        await page_login(client, who)
        assert (await client.get("/summer")).status_code == 403, who
        assert (await client.get(f"/summer/{CODE}/decline")).status_code == 403, who
    await page_login(client, "M0002")
    nothing = await client.get("/summer")
    assert nothing.status_code == 200
    assert "Aucune campagne d'été pour le moment." in html.unescape(nothing.text)
    assert (await client.get("/summer/no-such-campaign/decline")).status_code == 404
