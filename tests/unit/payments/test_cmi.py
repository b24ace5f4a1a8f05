"""CMI hash version 3, the checkout form and the callback, against published vectors, without I/O."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.money import MAD, Money
from payments.domain.cmi import (
    AMOUNT_MISMATCH,
    BAD_CHECKOUT,
    BAD_HASH,
    MALFORMED,
    WRONG_STORE,
    CallbackAnswer,
    CmiCheckout,
    CmiError,
    CmiStore,
    OrderDecision,
    answer_for,
    check_amount,
    checkout_fields,
    form_fields,
    format_amount,
    hash_plaintext,
    parse_callback,
    ver3_hash,
    verify_hash,
)
from tests.support.cmi_simulator import cmi_kit_hash

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[3] / "docs" / "cmi-vectors.json").read_text(encoding="utf-8")
)["vectors"]
STORE = CmiStore("600000001", "TEST1234")
CHECKOUT = CmiCheckout(
    order_id="B7f3K2-1",
    amount=Money(312_000, MAD),
    lang="fr",
    ok_url="https://estivage.example/pay/cmi/ok",
    fail_url="https://estivage.example/pay/cmi/fail",
    callback_url="https://estivage.example/api/payments/cmi/callback",
    shop_url="https://estivage.example/bookings/B7f3K2",
    bill_to_name="Fatima Zahra Benali",
    email="m0042@members.estivage.example",
)


def vector(name: str) -> dict[str, Any]:
    return next(v for v in VECTORS if v["name"] == name)


def signed(fields: dict[str, str], store_key: str = "TEST1234") -> dict[str, str]:
    return {**fields, "HASH": ver3_hash(fields, store_key)}


def refusal(call: Any, *args: Any) -> CmiError:
    with pytest.raises(CmiError) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_every_published_vector_hashes_to_its_published_value(v: dict[str, Any]) -> None:
    assert hash_plaintext(v["fields"], v["store_key"]) == v["plaintext"]
    assert ver3_hash(v["fields"], v["store_key"]) == v["hash"]
    assert cmi_kit_hash(v["fields"], v["store_key"]) == v["hash"]  # the simulator's own few lines agree


def test_three_vectors_come_from_a_public_library_not_from_us() -> None:
    published = [v for v in VECTORS if v["source"]["repository"] == "mewebstudio/pos"]
    assert len(published) == 3
    assert all(v["source"]["path"] == "tests/Unit/Crypt/EstV3PosCryptTest.php" for v in published)


def test_a_published_gateway_response_verifies_and_any_changed_value_does_not() -> None:
    response = vector("mews-3d-pay-callback")["fields"]
    verify_hash(response, "123456")
    for name in ("amount", "oid", "ProcReturnCode", "Response", "ErrMsg"):
        assert refusal(verify_hash, {**response, name: response[name] + "0"}, "123456").code == BAD_HASH


def test_names_sort_without_case_so_storetype_comes_before_trantype() -> None:
    fields = {"TranType": "PreAuth", "storetype": "3D_PAY_HOSTING", "amount": "1.00", "BillToName": "B"}
    assert hash_plaintext(fields, "k") == "1.00|B|3D_PAY_HOSTING|PreAuth|k"


def test_hash_and_encoding_are_left_out_whatever_their_case() -> None:
    fields = {"a": "1", "HASH": "x", "hash": "y", "Encoding": "UTF-8", "encoding": "UTF-8"}
    assert hash_plaintext(fields, "k") == "1|k"


def test_backslashes_are_doubled_before_pipes_are_escaped_in_values_and_in_the_store_key() -> None:
    assert hash_plaintext({"a": "x|y\\z", "b": "\\|"}, "k|\\") == "x\\|y\\\\z|\\\\\\||k\\|\\\\"


def test_a_pipe_cannot_move_from_one_value_to_the_next_unnoticed() -> None:
    assert ver3_hash({"a": "x|", "b": "y"}, "k") != ver3_hash({"a": "x", "b": "|y"}, "k")
    assert ver3_hash({"a": "x\\", "b": "|y"}, "k") != ver3_hash({"a": "x\\|", "b": "y"}, "k")


@given(
    left=st.lists(st.text(alphabet="a|\\", max_size=4), min_size=2, max_size=4),
    right=st.lists(st.text(alphabet="a|\\", max_size=4), min_size=2, max_size=4),
)
def test_different_values_never_give_the_same_plaintext(left: list[str], right: list[str]) -> None:
    if len(left) == len(right) and left != right:
        names = [f"f{i}" for i in range(len(left))]
        assert hash_plaintext(dict(zip(names, left, strict=True)), "k") != hash_plaintext(
            dict(zip(names, right, strict=True)), "k"
        )


def test_non_ascii_values_are_hashed_as_utf8() -> None:
    arabic = vector("estivage-checkout-ar")
    assert arabic["fields"]["BillToName"] == "فاطمة الزهراء بنعلي"
    latin1_hash = cmi_kit_hash({"n": "é"}, "k")
    assert ver3_hash({"n": "é"}, "k") == latin1_hash  # both UTF-8, so equal
    assert ver3_hash({"n": "é"}, "k") != ver3_hash({"n": "e\u0301"}, "k")  # no normalisation: bytes as posted


@pytest.mark.parametrize(
    ("minor", "text"), [(1, "0.01"), (100, "1.00"), (125_000, "1250.00"), (312_050, "3120.50")]
)
def test_amounts_are_decimals_with_a_dot_and_two_places(minor: int, text: str) -> None:
    assert format_amount(Money(minor, MAD)) == text


def test_the_checkout_form_asks_for_a_pre_authorisation_signed_with_version_3() -> None:
    fields = checkout_fields(STORE, CHECKOUT, "kV3q9Zr1xY0aT2mB8nC4")
    assert fields["TranType"] == "PreAuth"
    assert fields["storetype"] == "3D_PAY_HOSTING"
    assert (fields["amount"], fields["currency"], fields["hashAlgorithm"]) == ("3120.00", "504", "ver3")
    assert list(fields)[-1] == "HASH"
    verify_hash(fields, "TEST1234")
    assert cmi_kit_hash(fields, "TEST1234") == fields["HASH"]


def test_the_checkout_form_in_arabic_is_the_published_vector() -> None:
    published = vector("estivage-checkout-ar")["fields"]
    form = replace(CHECKOUT, lang="ar", bill_to_name=" فاطمة  الزهراء\tبنعلي ")
    assert checkout_fields(STORE, form, published["rnd"]) == published


def test_a_payer_name_keeps_its_letters_and_loses_markup_and_stray_spaces() -> None:
    form = replace(CHECKOUT, bill_to_name="  <b>Aït\nBen-Haddou</b> | \\ ")
    assert checkout_fields(STORE, form, "r1")["BillToName"] == "b Aït Ben-Haddou b"


@pytest.mark.parametrize(
    ("change", "rnd", "field"),
    [
        ({"order_id": "B 1"}, "r", "oid"),
        ({"amount": Money(0, MAD)}, "r", "amount"),
        ({"amount": Money(100, "EUR")}, "r", "amount"),
        ({"lang": "de"}, "r", "lang"),
        ({"ok_url": "javascript:alert(1)"}, "r", "okUrl"),
        ({"callback_url": "/relative"}, "r", "callbackUrl"),
        ({"bill_to_name": "<>"}, "r", "BillToName"),
        ({"email": "not an email"}, "r", "BillToName"),
        ({}, "two words", "rnd"),
        ({}, "", "rnd"),
    ],
)
def test_a_checkout_cmi_would_not_take_is_refused_before_the_member_leaves(
    change: dict[str, Any], rnd: str, field: str
) -> None:
    error = refusal(checkout_fields, STORE, replace(CHECKOUT, **change), rnd)
    assert (error.code, error.field) == (BAD_CHECKOUT, field)


def test_an_approved_callback_reads_as_typed_fields() -> None:
    callback = parse_callback(vector("estivage-callback-approved")["fields"], STORE)
    assert callback.approved
    assert (callback.order_id, callback.amount, callback.proc_return_code) == (
        "B7f3K2-1",
        Money(312_000, MAD),
        "00",
    )
    assert (callback.transaction_id, callback.auth_code, callback.error_message) == (
        "26327L1B2C3D4",
        "123456",
        "",
    )


def test_a_declined_callback_reads_as_not_approved_with_its_reason() -> None:
    callback = parse_callback(vector("estivage-callback-declined")["fields"], STORE)
    assert not callback.approved
    assert (callback.proc_return_code, callback.response, callback.error_message) == (
        "05",
        "Declined",
        "Declined (05)",
    )


@pytest.mark.parametrize(
    "change",
    [{"amount": "1.00"}, {"HASH": "A" + vector("estivage-callback-approved")["hash"][1:]}, {"HASH": ""}],
)
def test_a_tampered_amount_or_hash_is_refused(change: dict[str, str]) -> None:
    fields = {**vector("estivage-callback-approved")["fields"], **change}
    assert refusal(parse_callback, fields, STORE).code == BAD_HASH


def test_a_callback_without_hash_or_with_another_algorithm_or_another_key_is_refused() -> None:
    approved = vector("estivage-callback-approved")["fields"]
    without = {name: value for name, value in approved.items() if name != "HASH"}
    assert refusal(parse_callback, without, STORE).code == BAD_HASH
    assert refusal(parse_callback, signed({**without, "hashAlgorithm": "ver2"}), STORE).code == BAD_HASH
    assert refusal(parse_callback, approved, CmiStore("600000001", "OTHERKEY")).code == BAD_HASH


def test_a_callback_signed_for_another_store_is_refused() -> None:
    fields = signed({**vector("estivage-callback-approved")["fields"], "clientid": "600000999"})
    assert refusal(parse_callback, fields, STORE).code == WRONG_STORE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "3 120,00"}, "amount"),
        ({"amount": "3120.001"}, "amount"),
        ({"amount": "-3120.00"}, "amount"),
        ({"currency": "978"}, "currency"),
        ({"oid": ""}, "oid"),
        ({"oid": "../B7"}, "oid"),
        ({"Response": ""}, "Response"),
        ({"ProcReturnCode": "05"}, "Response"),  # says Approved with a refusal code
        ({"ProcReturnCode": "00", "Response": "Declined"}, "Response"),
    ],
)
def test_a_signed_but_malformed_or_self_contradicting_callback_is_refused(
    change: dict[str, str], field: str
) -> None:
    fields = signed({**vector("estivage-callback-approved")["fields"], "HASH": ""} | change)
    error = refusal(parse_callback, fields, STORE)
    assert (error.code, error.field) == (MALFORMED, field)


def test_an_authorised_amount_other_than_the_orders_is_a_mismatch_with_both_figures() -> None:
    callback = parse_callback(vector("estivage-callback-approved")["fields"], STORE)
    check_amount(callback, Money(312_000, MAD))
    error = refusal(check_amount, callback, Money(312_001, MAD))
    assert error.code == AMOUNT_MISMATCH
    assert error.params == {"expected_minor": 312_001, "received_minor": 312_000}


def test_the_answer_captures_only_an_authorised_payment_the_order_takes() -> None:
    approved = parse_callback(vector("estivage-callback-approved")["fields"], STORE)
    declined = parse_callback(vector("estivage-callback-declined")["fields"], STORE)
    assert answer_for(approved, OrderDecision.CONFIRMED) == "ACTION=POSTAUTH"
    assert answer_for(approved, OrderDecision.REFUSED) == CallbackAnswer.FAILURE
    # CONTRACT.md: FAILURE for anything not confirmed, a declined card included (CMI's kits say APPROVED).
    assert answer_for(declined, OrderDecision.CONFIRMED) == CallbackAnswer.FAILURE
    assert answer_for(declined, OrderDecision.REFUSED) == CallbackAnswer.FAILURE


def test_a_form_body_reads_as_fields_with_plus_and_percent_decoding() -> None:
    body = b"BillToName=F%C3%A9tima+Z&HASH=ab%2Bc%3D%3D&ErrMsg="
    assert form_fields(body) == {"BillToName": "Fétima Z", "HASH": "ab+c==", "ErrMsg": ""}


@pytest.mark.parametrize("body", [b"oid=1&oid=2", b"oid=%FF", b"oid", "oid=é".encode("latin-1")])
def test_a_form_body_with_a_repeated_field_or_bad_bytes_is_malformed(body: bytes) -> None:
    assert refusal(form_fields, body).code == MALFORMED
