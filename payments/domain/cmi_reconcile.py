"""CMI's back-office transaction export (CSV), read into typed rows for ``estivage reconcile``.

Staff download the export from CMI's merchant back office and give it to ``estivage reconcile``,
which compares it with what we recorded. CMI publishes no specification of this file, so the reader
goes by the header, not by column positions: each column is found by one of the names in
``_COLUMNS`` (the English names of the platform's transaction report and the French ones of the
localised back office), compared without case, accents or punctuation. Whatever the export adds
beyond them is ignored. docs/cmi.md says which names are assumed; check them against the first real
export and add any new name to ``_COLUMNS``, nowhere else.

Accepted: UTF-8 with or without a BOM, CRLF or LF, ``;`` or ``,`` as the separator (sniffed from the
header line), amounts ``1250.00``, ``1 250,00`` or ``1250`` (at most two decimals), a currency as
``MAD`` or ``504``, times ``YYYY-MM-DD HH:MM[:SS]``, ``DD/MM/YYYY HH:MM[:SS]`` or ``YYYYMMDD HH:MM:SS``
(the callback's ``EXTRA.TRXDATE``), local to the back office (Africa/Casablanca unless told).
A file with any bad line is refused as a whole, each bad line named with its number and why, so that
reconciliation never runs on half a file.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from kernel.codes import ErrorCode
from kernel.errors import DomainError
from kernel.money import Money
from payments.domain.cmi import MALFORMED, CmiError, parse_amount

BACK_OFFICE_ZONE: Final = ZoneInfo("Africa/Casablanca")
BAD_EXPORT: Final = ErrorCode.CMI_BAD_EXPORT

_COLUMNS: Final = {
    "order_id": (
        "order id",
        "orderid",
        "oid",
        "numero de commande",
        "n de commande",
        "no de commande",
        "commande",
    ),
    "transaction_id": ("trans id", "transid", "transaction id", "id transaction", "numero de transaction"),
    "date": ("date", "transaction date", "date transaction", "date de transaction", "trxdate"),
    "kind": ("type", "transaction type", "trantype", "type de transaction", "type transaction"),
    "response": ("response", "status", "statut", "etat", "reponse", "resultat"),
    "amount": ("amount", "montant"),
    "currency": ("currency", "devise", "monnaie"),
}
_KINDS: Final = {
    "preauth": "PreAuth", "preautorisation": "PreAuth",
    "postauth": "PostAuth", "confirmation": "PostAuth", "capture": "PostAuth",
    "auth": "Auth", "autorisation": "Auth", "vente": "Auth", "sale": "Auth",
    "credit": "Credit", "refund": "Credit", "remboursement": "Credit",
    "void": "Void", "annulation": "Void",
}  # fmt: skip
_APPROVED_WORDS: Final = frozenset({"approved", "approuvee", "acceptee", "autorisee", "00"})
_DECLINED_WORDS: Final = frozenset({"declined", "refusee", "rejetee", "error", "erreur", "echec"})
_TIME_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y%m%d %H:%M:%S",
)


class Status(StrEnum):
    """Where one line leaves the money of its order."""

    AUTHORISED = "authorised"  # PreAuth approved: reserved, not taken
    CAPTURED = "captured"  # PostAuth or Auth approved: taken
    REFUNDED = "refunded"  # Credit approved: given back
    VOIDED = "voided"  # Void approved: an earlier line of the day cancelled
    DECLINED = "declined"  # any kind refused


_STATUS_OF_KIND: Final = {
    "PreAuth": Status.AUTHORISED,
    "PostAuth": Status.CAPTURED,
    "Auth": Status.CAPTURED,
    "Credit": Status.REFUNDED,
    "Void": Status.VOIDED,
}


@dataclass(frozen=True, slots=True)
class ExportRow:
    line: int  # the line number in the file (the header is line 1)
    order_id: str
    transaction_id: str
    kind: str  # PreAuth, PostAuth, Auth, Credit or Void
    status: Status
    amount: Money
    at: datetime


class ExportRefused(DomainError):
    """The export cannot be read; ``params`` name each bad line."""


def _key(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "N° de commande" reads "n de commande"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _column_indexes(header: list[str]) -> dict[str, int]:
    keys = [_key(name) for name in header]
    found: dict[str, int] = {}
    for column, names in _COLUMNS.items():
        hits = [i for i, key in enumerate(keys) if key in names]
        if len(hits) != 1:
            state = "missing" if not hits else "given twice"
            raise ExportRefused(BAD_EXPORT, f"the export's column {column} is {state}", column)
        found[column] = hits[0]
    return found


def _amount(text: str, currency: str) -> Money:
    plain = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in plain and "." not in plain:
        plain = plain.replace(",", ".")
    number = currency if currency.isdigit() else {"MAD": "504"}.get(currency.upper(), currency)
    return parse_amount(plain, number)


def _instant(text: str, zone: tzinfo) -> datetime:
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise CmiError(MALFORMED, f"date {text!r} is not a time the export uses", "date")


def _status(kind_text: str, response_text: str) -> tuple[str, Status]:
    kind = _KINDS.get(_key(kind_text).replace(" ", ""))
    if kind is None:
        raise CmiError(MALFORMED, f"transaction type {kind_text!r} is unknown", "kind")
    response = _key(response_text)
    if response in _APPROVED_WORDS:
        return kind, _STATUS_OF_KIND[kind]
    if response in _DECLINED_WORDS:
        return kind, Status.DECLINED
    raise CmiError(MALFORMED, f"response {response_text!r} is neither approved nor declined", "response")


def _row(line: int, cells: list[str], columns: Mapping[str, int], zone: tzinfo) -> ExportRow:
    def cell(column: str) -> str:
        return cells[columns[column]].strip() if columns[column] < len(cells) else ""

    order_id = cell("order_id")
    if not order_id:
        raise CmiError(MALFORMED, "no order id", "order_id")
    kind, status = _status(cell("kind"), cell("response"))
    return ExportRow(
        line=line,
        order_id=order_id,
        transaction_id=cell("transaction_id"),
        kind=kind,
        status=status,
        amount=_amount(cell("amount"), cell("currency")),
        at=_instant(cell("date"), zone),
    )


def parse_export(text: str, zone: tzinfo = BACK_OFFICE_ZONE) -> list[ExportRow]:
    """Every line of the export, or ``ExportRefused`` naming each bad line; blank lines are skipped."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not lines:
        raise ExportRefused(BAD_EXPORT, "the export is empty")
    columns = _column_indexes(lines[0])
    rows, problems = [], {}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        try:
            rows.append(_row(number, cells, columns, zone))
        except CmiError as error:
            problems[f"line {number}"] = error.detail
    if problems:
        listed = "; ".join(f"{where}: {why}" for where, why in problems.items())
        raise ExportRefused(BAD_EXPORT, f"the export has bad lines: {listed}", params=problems)
    return rows


def taken_by_order(rows: Iterable[ExportRow]) -> dict[str, Money]:
    """The money CMI holds for each order: captured, less refunded, in the order the lines happened.

    A void undoes the order's latest line that it has not undone yet (the platform voids the last
    transaction of an order, the same day): after a capture it gives the money back, after a
    pre-authorisation it changes nothing, after a refund it takes the money again. An order only
    authorised or declined holds nothing and is listed at zero, so that reconciliation also sees
    orders that were paid for but never captured.
    """
    zero: dict[str, Money] = {}
    effects: dict[str, list[Money]] = {}
    for row in sorted(rows, key=lambda row: (row.at, row.line)):
        zero.setdefault(row.order_id, Money.zero(row.amount.currency))
        lines = effects.setdefault(row.order_id, [])
        if row.status is Status.VOIDED:
            if lines:
                lines.pop()
        elif row.status is not Status.DECLINED:
            lines.append(_effect(row))
    return {order: sum(lines, zero[order]) for order, lines in effects.items()}


def _effect(row: ExportRow) -> Money:
    if row.status is Status.CAPTURED:
        return row.amount
    if row.status is Status.REFUNDED:
        return -row.amount
    return Money.zero(row.amount.currency)
