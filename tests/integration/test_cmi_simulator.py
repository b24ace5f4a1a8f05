"""The CMI simulator against the pure protocol module, over real HTTP on loopback.

The reference merchant (tests/support/cmi_merchant.py) answers the simulator's callbacks with nothing
but payments.domain.cmi. The member's browser is played by an HTTP client that posts the forms the
pages hold; tests/browser/test_cmi_simulator_in_chromium.py does the same in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from kernel.money import MAD, Money
from payments.domain.cmi import CmiStore, verify_hash
from payments.domain.cmi_reconcile import Status, parse_export, taken_by_order
from tests.support.cmi_merchant import Merchant, reference_merchant
from tests.support.cmi_simulator import APPROVING_CARDS, DECLINING_CARD, CmiSimulator, cmi_simulator

STORE = CmiStore("600000001", "TEST1234")
VISA = next(iter(APPROVING_CARDS))


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values["action"] or ""
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"] or ""] = values["value"] or ""


def read_form(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


@pytest.fixture
def shop() -> Iterator[tuple[CmiSimulator, Merchant]]:
    with (
        cmi_simulator(STORE.client_id, STORE.store_key) as simulator,
        reference_merchant(STORE, simulator.gateway_url) as merchant,
    ):
        yield simulator, merchant


def pay(simulator: CmiSimulator, fields: dict[str, str], card: str) -> httpx.Response:
    with httpx.Client(base_url=simulator.url, timeout=30) as browser:
        page = browser.post("/fim/est3Dgate", data=fields)
        assert page.status_code == 200, page.text
        action = re.search(r'action="(/fim/pay/[^"]+)"', page.text)
        assert action is not None
        return browser.post(action[1], data={"pan": card, "expiry": "12/30", "cvv": "000"})


def test_a_member_pays_and_the_merchant_captures_once_what_the_export_then_shows(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    back = read_form(pay(simulator, merchant.checkout("B1-1", Money(312_000, MAD)), VISA).text)
    assert back.action == f"{merchant.url}/ok"
    verify_hash(back.fields, STORE.store_key)  # the browser's return is signed, yet proves nothing by itself
    assert (merchant.confirmed, simulator.answers_for("B1-1")) == (["B1-1"], ["ACTION=POSTAUTH"])
    rows = parse_export(simulator.export_csv())
    assert [(row.kind, row.status) for row in rows] == [
        ("PreAuth", Status.AUTHORISED),
        ("PostAuth", Status.CAPTURED),
    ]
    assert taken_by_order(rows) == {"B1-1": Money(312_000, MAD)}


def test_a_duplicate_callback_is_answered_again_but_confirms_and_captures_once(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    pay(simulator, merchant.checkout("B2-1", Money(85_000, MAD)), VISA)
    assert simulator.replay_callback("B2-1").body == "ACTION=POSTAUTH"
    assert merchant.confirmed == ["B2-1"]
    assert [row.kind for row in parse_export(simulator.export_csv())] == ["PreAuth", "PostAuth"]


def test_a_declined_card_goes_back_to_fail_url_answered_failure_and_nothing_is_taken(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    back = read_form(pay(simulator, merchant.checkout("B3-1", Money(85_000, MAD)), DECLINING_CARD).text)
    assert (back.action, back.fields["ProcReturnCode"]) == (f"{merchant.url}/fail", "05")
    assert (merchant.confirmed, simulator.answers_for("B3-1")) == ([], ["FAILURE"])
    assert taken_by_order(parse_export(simulator.export_csv())) == {"B3-1": Money(0, MAD)}


def test_a_tampered_amount_or_a_signed_wrong_amount_gets_failure_and_changes_nothing(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    pay(simulator, merchant.checkout("B4-1", Money(85_000, MAD)), DECLINING_CARD)
    forged = {"ProcReturnCode": "00", "Response": "Approved", "ErrMsg": ""}
    assert simulator.send_tampered_callback("B4-1", **forged).body == "FAILURE"
    assert simulator.send_tampered_callback("B4-1", HASH="x" * 88).body == "FAILURE"
    assert simulator.send_signed_callback("B4-1", **forged, amount="1.00").body == "FAILURE"
    assert merchant.confirmed == []
    assert merchant.refusals == ["cmi_bad_hash", "cmi_bad_hash", "cmi_amount_mismatch"]


def test_the_gateway_refuses_a_form_whose_hash_does_not_match_and_calls_nobody(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    fields = {**merchant.checkout("B5-1", Money(85_000, MAD)), "amount": "1.00"}
    page = httpx.post(simulator.gateway_url, data=fields, timeout=30)
    assert page.status_code == 400
    assert "signature is not valid" in page.text
    assert (simulator.answers, simulator.transactions) == ([], [])


def test_an_order_already_paid_cannot_be_paid_again(shop: tuple[CmiSimulator, Merchant]) -> None:
    simulator, merchant = shop
    fields = merchant.checkout("B6-1", Money(85_000, MAD))
    pay(simulator, fields, VISA)
    again = httpx.post(simulator.gateway_url, data=fields, timeout=30)
    assert (again.status_code, "already been paid" in again.text) == (400, True)


def test_the_card_page_speaks_the_forms_language_right_to_left_in_arabic(
    shop: tuple[CmiSimulator, Merchant],
) -> None:
    simulator, merchant = shop
    page = httpx.post(
        simulator.gateway_url, data=merchant.checkout("B7-1", Money(85_000, MAD), "ar"), timeout=30
    )
    assert 'dir="rtl"' in page.text
    assert "رقم البطاقة" in page.text


def test_a_refund_made_in_the_back_office_shows_in_the_export(shop: tuple[CmiSimulator, Merchant]) -> None:
    simulator, merchant = shop
    pay(simulator, merchant.checkout("B8-1", Money(100_000, MAD)), VISA)
    simulator.record_refund("B8-1", "500.00")
    assert taken_by_order(parse_export(simulator.export_csv())) == {"B8-1": Money(50_000, MAD)}
