"""CMI's back-office export read into typed rows, and what each order holds, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kernel.money import MAD, Money
from payments.domain.cmi_reconcile import (
    BACK_OFFICE_ZONE,
    BAD_EXPORT,
    ExportRefused,
    Status,
    parse_export,
    taken_by_order,
)

ENGLISH = (
    "\ufeffOrder ID;Trans ID;Date;Type;Response;Amount;Currency;Auth Code;Card Number\r\n"
    "B7f3K2-1;26327L1B2C3D4;23/11/2026 10:04:05;PreAuth;Approved;3120.00;MAD;123456;400000***0010\r\n"
    "B7f3K2-1;26327L1B2C3D4;23/11/2026 10:04:06;PostAuth;Approved;3120.00;MAD;123456;400000***0010\r\n"
    "C9-2;26327M0000001;23/11/2026 10:05:00;PreAuth;Declined;850.00;MAD;;400000***0002\r\n"
)
FRENCH = (
    "N° de commande;Id transaction;Date de transaction;Type de transaction;Statut;Montant;Devise;Carte\n"
    "B7f3K2-1;T1;2026-11-23 10:04;Pré-autorisation;Approuvée;3 120,00;504;400000***0010\n"
    "B7f3K2-1;T1;2026-11-23 10:04:06;Confirmation;Approuvée;3\u00a0120,00;504;400000***0010\n"
    "B7f3K2-1;T9;2026-11-30 09:00;Remboursement;Approuvée;1 560,00;504;400000***0010\n"
)


def test_an_english_export_with_bom_and_crlf_reads_as_typed_rows() -> None:
    rows = parse_export(ENGLISH)
    assert [(r.line, r.order_id, r.kind, r.status, r.amount) for r in rows] == [
        (2, "B7f3K2-1", "PreAuth", Status.AUTHORISED, Money(312_000, MAD)),
        (3, "B7f3K2-1", "PostAuth", Status.CAPTURED, Money(312_000, MAD)),
        (4, "C9-2", "PreAuth", Status.DECLINED, Money(85_000, MAD)),
    ]
    assert rows[0].transaction_id == "26327L1B2C3D4"
    assert rows[0].at == datetime(2026, 11, 23, 10, 4, 5, tzinfo=BACK_OFFICE_ZONE)
    assert rows[0].at.astimezone(UTC).hour == 9  # Casablanca is UTC+1


def test_a_french_export_with_decimal_commas_and_numeric_currency_reads_the_same() -> None:
    rows = parse_export(FRENCH)
    assert [(r.kind, r.status, r.amount) for r in rows] == [
        ("PreAuth", Status.AUTHORISED, Money(312_000, MAD)),
        ("PostAuth", Status.CAPTURED, Money(312_000, MAD)),
        ("Credit", Status.REFUNDED, Money(156_000, MAD)),
    ]


def test_a_comma_separated_export_with_quotes_and_extra_columns_reads_too() -> None:
    text = (
        'Merchant,"Order ID",Trans ID,Date,Type,Response,Amount,Currency\n'
        '"Fondation, siège",B1,T1,20261123 10:04:05,Auth,Approved,"1,250.00",MAD\n'
    )
    with pytest.raises(ExportRefused):  # "1,250.00": a thousands separator is not a decimal comma
        parse_export(text)
    rows = parse_export(text.replace('"1,250.00"', "1250.00"))
    assert (rows[0].order_id, rows[0].status, rows[0].amount) == ("B1", Status.CAPTURED, Money(125_000, MAD))


def test_an_export_with_bad_lines_is_refused_whole_and_names_each_line() -> None:
    text = ENGLISH + (
        "D1;T2;23/11/2026 10:06:00;Refund;Approved;10.001;MAD;;\r\n"
        "D2;T3;yesterday;PreAuth;Approved;10.00;MAD;;\r\n"
        "\r\n"
        "D3;T4;23/11/2026 10:07:00;Teleport;Approved;10.00;MAD;;\r\n"
        ";T5;23/11/2026 10:07:00;PreAuth;Pending;10.00;MAD;;\r\n"
    )
    with pytest.raises(ExportRefused) as caught:
        parse_export(text)
    assert caught.value.code == BAD_EXPORT
    assert set(caught.value.params) == {"line 5", "line 6", "line 8", "line 9"}
    assert "10.001" in str(caught.value.params["line 5"])


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Trans ID;Date;Type;Response;Amount;Currency", "order_id"),
        ("Order ID;Trans ID;Date;Type;Response;Statut;Amount;Currency", "response"),
    ],
)
def test_an_export_missing_a_column_or_giving_it_twice_is_refused(header: str, column: str) -> None:
    with pytest.raises(ExportRefused) as caught:
        parse_export(header + "\n")
    assert caught.value.field == column


def test_an_empty_export_is_refused() -> None:
    with pytest.raises(ExportRefused):
        parse_export("")


def _rows(*lines: str) -> str:
    return "Order ID;Trans ID;Date;Type;Response;Amount;Currency\n" + "\n".join(lines)


def test_each_order_holds_what_was_captured_less_what_was_refunded() -> None:
    assert taken_by_order(parse_export(FRENCH)) == {"B7f3K2-1": Money(156_000, MAD)}
    assert taken_by_order(parse_export(ENGLISH)) == {"B7f3K2-1": Money(312_000, MAD), "C9-2": Money(0, MAD)}


def test_an_order_only_authorised_holds_nothing_yet_is_listed() -> None:
    text = _rows("A;T;23/11/2026 10:00:00;PreAuth;Approved;100.00;MAD")
    assert taken_by_order(parse_export(text)) == {"A": Money(0, MAD)}


def test_a_void_undoes_the_latest_line_of_its_order_in_time_order() -> None:
    text = _rows(
        "A;T;23/11/2026 10:02:00;Void;Approved;100.00;MAD",  # listed first, happened last
        "A;T;23/11/2026 10:00:00;PreAuth;Approved;100.00;MAD",
        "A;T;23/11/2026 10:01:00;PostAuth;Approved;100.00;MAD",
        "B;U;23/11/2026 10:00:00;PreAuth;Approved;50.00;MAD",
        "B;U;23/11/2026 10:01:00;Void;Approved;50.00;MAD",
        "C;V;23/11/2026 10:00:00;Auth;Approved;70.00;MAD",
        "C;W;23/11/2026 11:00:00;Credit;Approved;70.00;MAD",
        "C;W;23/11/2026 11:01:00;Void;Approved;70.00;MAD",
        "D;X;23/11/2026 10:00:00;Void;Declined;70.00;MAD",
    )
    assert taken_by_order(parse_export(text)) == {
        "A": Money(0, MAD),  # the capture voided
        "B": Money(0, MAD),  # the reservation voided: nothing was taken
        "C": Money(7_000, MAD),  # the refund voided: the money stays taken
        "D": Money(0, MAD),
    }
