"""The signed pass format: round trips, the published vectors, and every way a pass must be refused."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import qrcode
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM

from access.passformat import (
    BOOKING_CODE_LENGTH,
    MAX_CENTRE_LENGTH,
    MAX_KID_LENGTH,
    MAX_PAYLOAD_LENGTH,
    SCHEME_TAG,
    KeyFormatError,
    PassClaims,
    PassFormatError,
    PassRejected,
    b45decode,
    b45encode,
    booking_code,
    decode_pass,
    normalise_booking_code,
    private_key_from_raw,
    private_key_to_raw,
    public_key_from_base64url,
    public_key_to_base64url,
    sign_pass,
    verify_pass,
)

DOCS = Path(__file__).parents[3] / "docs"
VECTORS: list[dict[str, Any]] = json.loads((DOCS / "pass-vectors.json").read_text())["vectors"]

# 2026-07-01 14:00 and 2026-07-10 12:00 in Casablanca (UTC+01:00).
ARRIVAL = 1782910800
DEPARTURE = 1783681200
SUMMER_PASS = PassClaims(
    pass_id=uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"),
    centre="ifrane",
    valid_from=ARRIVAL,
    valid_until=DEPARTURE,
    party_size=4,
)
KEY = Ed25519PrivateKey.generate()
KEYRING = {"k1": KEY.public_key()}


def claims_of(vector: dict[str, Any]) -> PassClaims:
    fields = dict(vector["claims"])
    booking = fields.get("booking_id")
    return PassClaims(
        **{
            **fields,
            "pass_id": uuid.UUID(fields["pass_id"]),
            "booking_id": None if booking is None else uuid.UUID(booking),
        }
    )


def qr_for(payload: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr


def rejection_code(text: str, keyring: dict[str, Ed25519PublicKey] = KEYRING) -> str:
    with pytest.raises(PassRejected) as refused:
        verify_pass(text, keyring)
    return refused.value.code


# --- base45 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [  # The examples of RFC 9285, section 4.
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_base45_matches_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 65535 + 1: three characters that overflow two bytes (RFC 9285, section 6)
        "ZZZ",
        ":::",
        "Z6",  # 35 + 6 * 45 = 305: two characters that overflow one byte
        "BB8A",  # a lone trailing character
        "bb8",  # lower case is not base45
        "BB\n",
    ],
)
def test_base45_refuses_what_it_could_not_have_written(text: str) -> None:
    with pytest.raises(ValueError, match="base45"):
        b45decode(text)


# --- round trip and vectors -------------------------------------------------------------------------


def test_a_signed_pass_verifies_to_the_same_claims() -> None:
    payload = sign_pass(SUMMER_PASS, KEY, "k1")

    assert payload.startswith(SCHEME_TAG)
    assert verify_pass(payload, KEYRING) == SUMMER_PASS


def test_decode_exposes_the_parts_before_any_signature_check() -> None:
    decoded = decode_pass(sign_pass(SUMMER_PASS, KEY, "k1"))

    assert decoded.claims == SUMMER_PASS
    assert decoded.kid == "k1"
    assert decoded.signed_bytes[0] == 1
    assert len(decoded.signature) == 64
    KEY.public_key().verify(decoded.signature, decoded.signed_bytes)


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_published_vector_is_reproduced_exactly(vector: dict[str, Any]) -> None:
    seed = bytes.fromhex(vector["private_key_hex"])
    private_key = private_key_from_raw(seed)
    public_key = public_key_from_base64url(vector["public_key"])

    assert hashlib.sha256(vector["private_key_seed_text"].encode("ascii")).digest() == seed
    assert public_key_to_base64url(private_key.public_key()) == vector["public_key"]
    assert sign_pass(claims_of(vector), private_key, vector["kid"]) == vector["payload"]
    assert decode_pass(vector["payload"]).signed_bytes.hex() == vector["signed_bytes_hex"]
    assert verify_pass(vector["payload"], {vector["kid"]: public_key}) == claims_of(vector)
    assert len(vector["payload"]) == vector["payload_length"]
    assert qr_for(vector["payload"]).version == vector["qr_version_at_ecc_m"]


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_the_format_page_shows_the_same_vectors(vector: dict[str, Any]) -> None:
    page = (DOCS / "pass-format.md").read_text()

    for value in (vector["payload"], vector["public_key"], vector["kid"], vector["claims"]["pass_id"]):
        assert f"`{value}`" in page or f"\n{value}\n" in page
    for time in (vector["claims"]["valid_from"], vector["claims"]["valid_until"]):
        assert f"`{time}`" in page


@st.composite
def pass_claims(draw: st.DrawFn) -> PassClaims:
    valid_from = draw(st.integers(0, 2**32 - 2))
    return PassClaims(
        pass_id=draw(st.uuids()),
        centre=draw(st.from_regex(rf"[a-z0-9-]{{1,{MAX_CENTRE_LENGTH}}}", fullmatch=True)),
        valid_from=valid_from,
        valid_until=draw(st.integers(valid_from + 1, 2**32 - 1)),
        party_size=draw(st.integers(1, 255)),
        booking_id=draw(st.none() | st.uuids()),
    )


key_ids = st.from_regex(rf"[A-Za-z0-9._-]{{1,{MAX_KID_LENGTH}}}", fullmatch=True)


@given(claims=pass_claims(), kid=key_ids)
def test_any_valid_pass_round_trips(claims: PassClaims, kid: str) -> None:
    payload = sign_pass(claims, KEY, kid)

    assert verify_pass(payload, {kid: KEY.public_key()}) == claims
    assert payload == payload.strip()
    assert qr_for(payload).version <= 10


# --- refusals ---------------------------------------------------------------------------------------


def test_changing_any_byte_of_a_pass_is_refused() -> None:
    binary = b45decode(sign_pass(SUMMER_PASS, KEY, "k1").removeprefix(SCHEME_TAG))
    refusals = set()

    for offset in range(len(binary)):
        for flip in (0x01, 0x80, 0xFF):
            tampered = bytearray(binary)
            tampered[offset] ^= flip
            refusals.add(rejection_code(SCHEME_TAG + b45encode(bytes(tampered))))

    assert refusals <= {"malformed", "unsupported_version", "unknown_key", "bad_signature"}
    assert {"malformed", "unsupported_version", "bad_signature"} <= refusals


def test_a_pass_signed_by_another_key_under_a_known_kid_has_a_bad_signature() -> None:
    forged = sign_pass(SUMMER_PASS, Ed25519PrivateKey.generate(), "k1")

    assert rejection_code(forged) == "bad_signature"


def test_a_pass_signed_under_a_kid_the_gate_never_synced_is_unknown_key() -> None:
    assert rejection_code(sign_pass(SUMMER_PASS, KEY, "k9")) == "unknown_key"


def test_during_a_rotation_old_and_new_keys_are_both_honoured() -> None:
    new_key = Ed25519PrivateKey.generate()
    keyring = {"k1": KEY.public_key(), "k2": new_key.public_key()}

    assert verify_pass(sign_pass(SUMMER_PASS, KEY, "k1"), keyring) == SUMMER_PASS
    assert verify_pass(sign_pass(SUMMER_PASS, new_key, "k2"), keyring) == SUMMER_PASS
    assert rejection_code(sign_pass(SUMMER_PASS, new_key, "k1"), keyring) == "bad_signature"


def test_a_future_version_is_unsupported_rather_than_malformed() -> None:
    binary = bytearray(b45decode(sign_pass(SUMMER_PASS, KEY, "k1").removeprefix(SCHEME_TAG)))
    binary[0] = 3

    with pytest.raises(PassFormatError) as refused:
        decode_pass(SCHEME_TAG + b45encode(bytes(binary)))
    assert refused.value.code == "unsupported_version"


def _lower_first_letter(payload: str) -> str:
    at = next(index for index, char in enumerate(payload) if index >= len(SCHEME_TAG) and char.isalpha())
    return payload[:at] + payload[at].lower() + payload[at + 1 :]


def _unreadable_texts() -> list[tuple[str, str]]:
    payload = sign_pass(SUMMER_PASS, KEY, "k1")
    binary = b45decode(payload.removeprefix(SCHEME_TAG))
    return [
        ("empty", ""),
        ("tag only", SCHEME_TAG),
        ("no tag", payload.removeprefix(SCHEME_TAG)),
        ("lower case", payload.lower()),
        ("lower-case tag", "est:" + payload.removeprefix(SCHEME_TAG)),
        ("one lower-case letter", _lower_first_letter(payload)),
        ("garbage", "EST:this is not a pass"),
        ("a URL", "https://example.org/"),
        ("not base45", payload + "#"),
        ("cut inside a base45 group", payload[:-1]),
        ("cut in the signature", SCHEME_TAG + b45encode(binary[:-1])),
        ("cut in the header", SCHEME_TAG + b45encode(binary[:20])),
        ("only the version byte", SCHEME_TAG + b45encode(binary[:1])),
        ("a byte after the signature", SCHEME_TAG + b45encode(binary + b"\0")),
        ("far too long", SCHEME_TAG + "0" * 1_000_000),
    ]


@pytest.mark.parametrize(("case", "text"), _unreadable_texts(), ids=[case for case, _ in _unreadable_texts()])
def test_unreadable_text_is_malformed(case: str, text: str) -> None:
    with pytest.raises(PassFormatError) as refused:
        decode_pass(text)
    assert refused.value.code == "malformed", case
    assert rejection_code(text) == "malformed"


@pytest.mark.parametrize(
    "change",
    [
        {"centre": "Ifrane"},
        {"centre": ""},
        {"centre": "x" * (MAX_CENTRE_LENGTH + 1)},
        {"centre": "الأرز"},
        {"party_size": 0},
        {"party_size": 256},
        {"valid_until": ARRIVAL},
        {"valid_from": -1},
        {"valid_until": 2**32},
    ],
)
def test_claims_the_format_cannot_carry_are_refused_before_signing(change: dict[str, Any]) -> None:
    fields = {**SUMMER_PASS.__dict__, **change}

    with pytest.raises(ValueError, match=r"must|need"):
        PassClaims(**fields)


@pytest.mark.parametrize("kid", ["", "k" * (MAX_KID_LENGTH + 1), "k 1", "clé"])
def test_a_key_id_the_format_cannot_carry_is_refused(kid: str) -> None:
    with pytest.raises(ValueError, match="key id"):
        sign_pass(SUMMER_PASS, KEY, kid)


def test_a_version_2_pass_carries_its_booking_and_a_version_1_pass_still_verifies() -> None:
    booking = uuid.uuid4()
    current = sign_pass(PassClaims(**{**SUMMER_PASS.__dict__, "booking_id": booking}), KEY, "k1")
    older = sign_pass(SUMMER_PASS, KEY, "k1")

    assert decode_pass(current).signed_bytes[0] == 2
    assert verify_pass(current, KEYRING).booking_id == booking
    assert decode_pass(older).signed_bytes[0] == 1
    assert verify_pass(older, KEYRING).booking_id is None


def test_a_version_1_body_relabelled_version_2_is_refused() -> None:
    binary = bytearray(b45decode(sign_pass(SUMMER_PASS, KEY, "k1").removeprefix(SCHEME_TAG)))
    binary[0] = 2
    assert rejection_code(SCHEME_TAG + b45encode(bytes(binary))) in {"malformed", "bad_signature"}


# --- the booking code -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", [v for v in VECTORS if "booking_code" in v], ids=lambda v: str(v["name"]))
def test_the_booking_code_of_each_version_2_vector_is_as_published(vector: dict[str, Any]) -> None:
    code = booking_code(uuid.UUID(vector["claims"]["booking_id"]))
    assert code == vector["booking_code"]
    assert f"`{code}`" in (DOCS / "pass-format.md").read_text()


@given(st.uuids())
def test_a_booking_code_is_eight_unambiguous_characters_read_back_however_typed(booking: uuid.UUID) -> None:
    code = booking_code(booking)
    assert len(code.replace("-", "")) == BOOKING_CODE_LENGTH
    assert not set(code) & set("ILOU")
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_booking_code(typed) == code


@pytest.mark.parametrize("typed", ["", "ABC", "CA2F-DA8F-0", "CA2F-DA8U", "EST:CA2F"])
def test_what_cannot_be_a_booking_code_is_refused(typed: str) -> None:
    assert normalise_booking_code(typed) is None


# --- QR code ----------------------------------------------------------------------------------------


def test_the_largest_pass_fits_a_version_10_alphanumeric_qr_at_level_m() -> None:
    longest = PassClaims(uuid.uuid4(), "x" * MAX_CENTRE_LENGTH, 0, 2**32 - 1, 255, uuid.uuid4())
    payload = sign_pass(longest, KEY, "k" * MAX_KID_LENGTH)
    qr = qr_for(payload)

    assert len(payload) == MAX_PAYLOAD_LENGTH
    assert qr.version <= 10
    assert [segment.mode for segment in qr.data_list] == [MODE_ALPHA_NUM]


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_a_rendered_pass_scans_back_to_the_exact_payload(vector: dict[str, Any]) -> None:
    image = qr_for(vector["payload"]).make_image().get_image()

    scanned = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))

    assert scanned is not None
    assert scanned.text == vector["payload"]


# --- keys -------------------------------------------------------------------------------------------


def test_keys_survive_their_serialised_forms() -> None:
    published = public_key_to_base64url(KEY.public_key())

    assert len(published) == 43
    assert "=" not in published
    raw = KEY.public_key().public_bytes_raw()
    assert public_key_from_base64url(published).public_bytes_raw() == raw
    assert public_key_from_base64url(published + "=").public_bytes_raw() == raw
    assert private_key_to_raw(private_key_from_raw(private_key_to_raw(KEY))) == private_key_to_raw(KEY)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "A" * 44, "_j8iGJar4ID5SJyLjB+7VqxTQGjXdRjuJKnOXWPh3aY", "é" * 43],
    ids=["empty", "short", "33 bytes", "standard base64", "not ASCII"],
)
def test_a_public_key_that_is_not_32_base64url_bytes_is_refused(text: str) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_base64url(text)


def test_a_private_key_that_is_not_32_bytes_is_refused() -> None:
    with pytest.raises(KeyFormatError):
        private_key_from_raw(b"\0" * 31)
