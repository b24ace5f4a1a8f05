"""CMI (Centre Monétique Interbancaire) hosted payment page, "3D_PAY_HOSTING", hash version 3.

Moroccan bank cards are paid on CMI's own page. This module is the protocol, with no HTTP, framework
or database: the form the member's browser posts to CMI, the ``HASH`` that signs it, the callback CMI
posts back server to server, and the one-line answer the merchant gives. docs/cmi.md says the same at
more length, with the published test vectors (docs/cmi-vectors.json) this module agrees with.

The flow
    1. Checkout: the merchant's page auto-submits a form to ``CMI_GATEWAY_URL`` (``…/fim/est3Dgate``)
       with the fields of :func:`checkout_fields`, the last of which is ``HASH``.
    2. The member types the card on CMI's page; CMI asks the issuer for a *pre-authorisation*
       (``TranType=PreAuth``): the money is reserved, not taken.
    3. CMI POSTs the result to ``callbackUrl`` (form-encoded, every request field echoed plus the
       result fields, signed with a new ``HASH``). The merchant checks it (:func:`parse_callback`, then
       :func:`check_amount` against its own order) and answers with a plain-text body
       (:class:`CallbackAnswer`): ``ACTION=POSTAUTH`` asks CMI to capture the reserved money.
    4. CMI sends the browser back to ``okUrl`` (authorised) or ``failUrl`` (refused) with the same
       signed fields. That return proves nothing: a member can forge or replay it, and it may never
       come. Only the callback confirms; ``okUrl`` merely shows what the callback decided.

Why ``PreAuth`` and not ``Auth``: every public CMI kit (CMI's Symfony bundle CmiEcom/CmiPayBundle,
combindma/cmi-payment, mehdirochdi/cmi-payment-php) sends ``PreAuth`` and answers ``ACTION=POSTAUTH``
only once the order is accepted. With ``PreAuth`` the card is charged only when the merchant says so,
so a payment that arrives for a lapsed hold that cannot be taken again, a wrong amount or a unit sold
meanwhile is never taken
(the reservation lapses, or staff void it). With ``Auth`` the money is taken before the merchant has
looked, and every refused order becomes a refund. ``ACTION=POSTAUTH`` has no meaning after ``Auth``.

Hash version 3 (``hashAlgorithm=ver3``)
    - take every posted field except ``HASH`` and ``encoding`` (names compared case-insensitively);
    - sort the names case-insensitively (``str.lower``; ties keep their order);
    - escape each value: ``\\`` becomes ``\\\\``, then ``|`` becomes ``\\|``;
    - join the values with ``|``, then append ``|`` and the store key escaped the same way;
    - SHA-512 of the UTF-8 bytes, base64 (standard alphabet, padded) of the raw 64-byte digest.
    Values are hashed exactly as posted: no trimming (some PHP kits trim; :func:`checkout_fields`
    never emits a value with spaces at either end, so both agree on what we send).

The answers (the callback's response body), as CONTRACT.md says them
    - ``ACTION=POSTAUTH``: the order is confirmed by this payment; capture it. Given again for a
      duplicate of a callback already accepted, so a retry never leaves the money uncaptured.
    - ``FAILURE``: anything else: a declined card, a bad hash, a malformed callback, or an authorised
      payment the order will not take. Nothing is captured; a reservation lapses or is voided in CMI's
      back office. (CMI's kits answer ``APPROVED`` to a well-signed declined card; nothing moves either
      way, and the contract keeps one rule: POSTAUTH when we confirm, FAILURE otherwise. docs/cmi.md.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from kernel.codes import ErrorCode
from kernel.errors import DomainError
from kernel.money import Money

GATEWAY_PATH: Final = "/fim/est3Dgate"
HASH_ALGORITHM: Final = "ver3"
STORE_TYPE: Final = "3D_PAY_HOSTING"
TRAN_TYPE: Final = "PreAuth"
ENCODING: Final = "UTF-8"
LANGUAGES: Final = frozenset({"ar", "fr", "en"})
APPROVED_CODE: Final = "00"
_NOT_HASHED: Final = frozenset({"hash", "encoding"})
_NUMERIC_CURRENCY: Final = {"MAD": "504"}  # ISO 4217; CMI merchants are paid in dirham
_CURRENCY_OF_NUMERIC: Final = {number: code for code, number in _NUMERIC_CURRENCY.items()}
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,2}))?")
_RND = re.compile(r"[\x21-\x7e]{1,64}")
_EMAIL = re.compile(r"[^\s<>\"'&|\\]{1,64}@[^\s<>\"'&|\\@]{1,189}")
_MAX_FORM_FIELDS: Final = 200

# Stable codes of the refusals, for logs and problem documents.
BAD_HASH: Final = ErrorCode.CMI_BAD_HASH
MALFORMED: Final = ErrorCode.CMI_MALFORMED
WRONG_STORE: Final = ErrorCode.CMI_WRONG_STORE
AMOUNT_MISMATCH: Final = ErrorCode.CMI_AMOUNT_MISMATCH
BAD_CHECKOUT: Final = ErrorCode.CMI_BAD_CHECKOUT


class CmiError(DomainError):
    """A CMI form or callback we refuse; the callback's answer to it is ``FAILURE``."""


@dataclass(frozen=True, slots=True)
class CmiStore:
    """The merchant's identity at CMI: ``clientid`` and the store key set in CMI's back office."""

    client_id: str
    store_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CmiCheckout:
    """One payment to ask for: our order, its amount, where CMI sends the member and the result."""

    order_id: str
    amount: Money
    lang: str
    ok_url: str
    fail_url: str
    callback_url: str
    shop_url: str
    bill_to_name: str
    email: str


@dataclass(frozen=True, slots=True)
class CmiCallback:
    """What a checked callback says about one order."""

    order_id: str
    amount: Money
    proc_return_code: str
    response: str
    transaction_id: str
    auth_code: str
    error_message: str
    approved: bool


class CallbackAnswer(StrEnum):
    POSTAUTH = "ACTION=POSTAUTH"
    FAILURE = "FAILURE"


class OrderDecision(Enum):
    """What the merchant made of an authorised payment."""

    CONFIRMED = "confirmed"  # the order stands paid by it (now, or by an earlier copy of the callback)
    REFUSED = "refused"  # sound payment, but the order will not take it (lapsed hold, nothing left)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def hash_plaintext(fields: Mapping[str, str], store_key: str) -> str:
    """The string version 3 hashes; exposed so that docs and tests can show it."""
    names = sorted((name for name in fields if name.lower() not in _NOT_HASHED), key=str.lower)
    return "|".join([*(_escape(fields[name]) for name in names), _escape(store_key)])


def ver3_hash(fields: Mapping[str, str], store_key: str) -> str:
    digest = hashlib.sha512(hash_plaintext(fields, store_key).encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_hash(fields: Mapping[str, str], store_key: str) -> None:
    """Raise ``cmi_bad_hash`` unless ``fields`` carry a version 3 ``HASH`` made with ``store_key``."""
    received = fields.get("HASH", "")
    if fields.get("hashAlgorithm") != HASH_ALGORITHM or not received:
        raise CmiError(BAD_HASH, "the callback is not signed with CMI hash version 3", "HASH")
    expected = ver3_hash(fields, store_key)
    if not hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8")):
        raise CmiError(BAD_HASH, "the callback's HASH does not match its fields and our store key", "HASH")


def format_amount(amount: Money) -> str:
    """Minor units as CMI's decimal: 125000 → ``1250.00`` (a dot, two decimals, no grouping)."""
    whole, cents = divmod(amount.amount_minor, 100)
    return f"{whole}.{cents:02d}"


def _clean_text(value: str, limit: int) -> str:
    """Letters of any script, digits, spaces, dots and hyphens; anything else becomes a space.

    CMI's own PHP kits trim values and decode HTML entities before hashing a callback; a name kept to
    these characters hashes the same in every known implementation, and it is only shown on receipts.
    """
    kept = (ch if unicodedata.category(ch)[0] in "LMN" or ch in ".-" else " " for ch in value)
    return " ".join("".join(kept).split())[:limit].strip()


def _check_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(ch.isspace() for ch in url):
        raise CmiError(BAD_CHECKOUT, f"{name} must be an absolute http(s) URL", name)
    return url


def checkout_fields(store: CmiStore, checkout: CmiCheckout, rnd: str) -> dict[str, str]:
    """The fields the browser posts to CMI, ``HASH`` last. ``rnd`` is a fresh random per form."""
    if not _ORDER_ID.fullmatch(checkout.order_id):
        raise CmiError(BAD_CHECKOUT, "the order id must be 1 to 64 of A-Z a-z 0-9 _ -", "oid")
    currency = _NUMERIC_CURRENCY.get(checkout.amount.currency)
    if currency is None or checkout.amount.amount_minor <= 0:
        raise CmiError(BAD_CHECKOUT, "CMI takes a positive amount in MAD", "amount")
    if checkout.lang not in LANGUAGES:
        raise CmiError(BAD_CHECKOUT, "CMI's page speaks ar, fr or en", "lang")
    if not _RND.fullmatch(rnd):
        raise CmiError(BAD_CHECKOUT, "rnd must be 1 to 64 printable ASCII characters", "rnd")
    name = _clean_text(checkout.bill_to_name, 64)
    if not name or not _EMAIL.fullmatch(checkout.email):
        raise CmiError(BAD_CHECKOUT, "CMI needs the payer's name and a plain e-mail address", "BillToName")
    fields = {
        "clientid": store.client_id,
        "oid": checkout.order_id,
        "amount": format_amount(checkout.amount),
        "currency": currency,
        "okUrl": _check_url("okUrl", checkout.ok_url),
        "failUrl": _check_url("failUrl", checkout.fail_url),
        "callbackUrl": _check_url("callbackUrl", checkout.callback_url),
        "shopurl": _check_url("shopurl", checkout.shop_url),
        "rnd": rnd,
        "storetype": STORE_TYPE,
        "TranType": TRAN_TYPE,
        "lang": checkout.lang,
        "hashAlgorithm": HASH_ALGORITHM,
        "encoding": ENCODING,
        "BillToName": name,
        "email": checkout.email,
    }
    fields["HASH"] = ver3_hash(fields, store.store_key)
    return fields


def form_fields(body: bytes) -> dict[str, str]:
    """A form-encoded UTF-8 body as fields; a repeated name or undecodable bytes are malformed.

    A repeated name would let the hash and our reading see different values, so it is refused.
    """
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise CmiError(MALFORMED, "the body is not a UTF-8 form") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise CmiError(MALFORMED, "a field is repeated")
    return fields


def parse_amount(text: str, currency_number: str) -> Money:
    """CMI's decimal amount and ISO 4217 numeric currency as Money; anything else is malformed."""
    currency = _CURRENCY_OF_NUMERIC.get(currency_number)
    if currency is None:
        raise CmiError(MALFORMED, f"unknown currency {currency_number!r}", "currency")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise CmiError(MALFORMED, f"amount {text!r} is not a decimal with a dot", "amount")
    return Money(int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0")), currency)


def _required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise CmiError(MALFORMED, f"the callback has no {name}", name)
    return value


def parse_callback(fields: Mapping[str, str], store: CmiStore) -> CmiCallback:
    """Check a callback's hash and store, then read it; refuse anything malformed or inconsistent."""
    verify_hash(fields, store.store_key)
    if fields.get("clientid") != store.client_id:
        raise CmiError(WRONG_STORE, "the callback is for another CMI store", "clientid")
    order_id = _required(fields, "oid")
    if not _ORDER_ID.fullmatch(order_id):
        raise CmiError(MALFORMED, "the callback's oid is not one of ours", "oid")
    amount = parse_amount(_required(fields, "amount"), _required(fields, "currency"))
    code, response = fields.get("ProcReturnCode", ""), _required(fields, "Response")
    said_approved = response.lower() == "approved"
    if said_approved != (code == APPROVED_CODE):
        # Signed but self-contradictory: never confirm on it, never call it declined either.
        raise CmiError(MALFORMED, f"ProcReturnCode {code!r} contradicts Response {response!r}", "Response")
    return CmiCallback(
        order_id=order_id,
        amount=amount,
        proc_return_code=code,
        response=response,
        transaction_id=fields.get("TransId", ""),
        auth_code=fields.get("AuthCode", ""),
        error_message=fields.get("ErrMsg", ""),
        approved=said_approved,
    )


def check_amount(callback: CmiCallback, expected: Money) -> None:
    """Raise ``cmi_amount_mismatch`` unless CMI authorised exactly what the order costs."""
    if callback.amount != expected:
        raise CmiError(
            AMOUNT_MISMATCH,
            f"CMI authorised {callback.amount} for order {callback.order_id}, which costs {expected}",
            "amount",
            params={"expected_minor": expected.amount_minor, "received_minor": callback.amount.amount_minor},
        )


def answer_for(callback: CmiCallback, decision: OrderDecision) -> CallbackAnswer:
    """The body to answer a checked callback with: ``ACTION=POSTAUTH`` only for an authorised payment
    that confirms its order, ``FAILURE`` for anything else (a refused callback, CmiError, too)."""
    confirmed = callback.approved and decision is OrderDecision.CONFIRMED
    return CallbackAnswer.POSTAUTH if confirmed else CallbackAnswer.FAILURE
