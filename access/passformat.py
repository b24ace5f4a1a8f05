"""The signed access pass: its binary layout, its text form, signing and verification.

This module is shared by the server (which signs passes) and the gate agent (which verifies them
offline), so it imports only the standard library and ``cryptography``.

Binary layout, version 2 (all integers unsigned, big-endian)::

    offset  size  field
    0       1     version       0x02
    1       16    pass_id       the UUID's 16 bytes (``uuid.UUID.bytes``)
    17      16    booking_id    the booking's UUID: gates count a party per booking, not per pass
    33      1     C             length of the centre code, 1..24
    34      C     centre        ASCII ``[a-z0-9-]``, e.g. ``ifrane``, ``sidi-bouzid``
    34+C    4     valid_from    UTC unix seconds, first instant the pass opens the gate
    38+C    4     valid_until   UTC unix seconds, first instant it no longer does; after valid_from
    42+C    1     party_size    persons the pass admits, 1..255
    43+C    1     K             length of the key id, 1..16
    44+C    K     kid           ASCII ``[A-Za-z0-9._-]``, names the signing key, e.g. ``k1``, ``2026-07``
    44+C+K  64    signature     Ed25519 over bytes ``0 .. 44+C+K`` (everything before it)

Version 1 is the same without ``booking_id`` (every offset after ``pass_id`` 16 bytes earlier). Passes
issued before version 2 stay valid: readers take both, and a version 1 pass has no booking reference
(``PassClaims.booking_id`` is None), so a gate counts it by its pass id unless it learned the booking
from the server. The server signs version 2 only.

The version byte is the first signed byte, so a reader knows the layout before parsing the rest and
nobody can relabel a pass as another version. Times are 32-bit: they last until 2106, and a wider field
will come with a new version byte long before then; 8 bytes would cost 12 more QR characters on every
pass for nothing today.

Text form: ``"EST:"`` followed by the binary in base45 (RFC 9285). Both use only the QR alphanumeric
characters ``0-9 A-Z space $ % * + - . / :``, so a QR encoder picks alphanumeric mode, where a byte
of the pass costs 8.25 bits of code (base32 would cost 8.8, base64 in byte mode 10.7). A typical pass
(version 2) fits a version 7 or 8 code at error correction M; the longest allowed (226 characters)
version 9.
The tag carries no version: the signed byte does. The text is upper case only, and may contain spaces
(a base45 digit) but never at either end: it starts with the tag, and the last base45 digit of a group
is at most ``W``. So a reader may strip a scanned line, but must not fold case or drop inner spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple, TypeAlias, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 2  # what the server signs; version 1 (no booking reference) is still read
VERSIONS = (1, 2)
SCHEME_TAG = "EST:"
SIGNATURE_SIZE = 64
MAX_CENTRE_LENGTH = 24
MAX_KID_LENGTH = 16
MAX_UNIX_SECONDS = 2**32 - 1

# The longest text the format allows: a gate refuses anything longer before decoding a byte of it.
_MAX_BINARY_LENGTH = 44 + MAX_CENTRE_LENGTH + MAX_KID_LENGTH + SIGNATURE_SIZE
MAX_PAYLOAD_LENGTH = len(SCHEME_TAG) + (3 * _MAX_BINARY_LENGTH + 1) // 2  # base45: 3 characters per 2 bytes

_CENTRE_CODE = re.compile(rf"[a-z0-9-]{{1,{MAX_CENTRE_LENGTH}}}")
_KEY_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_KID_LENGTH}}}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_WINDOW = struct.Struct(">IIB")  # valid_from, valid_until, party_size

RejectionCode = Literal["malformed", "unsupported_version", "unknown_key", "bad_signature"]
PublicKeyring: TypeAlias = Mapping[str, Ed25519PublicKey]
"""The public keys a reader trusts, by key id: several are valid at once while keys rotate."""


class PassRejected(Exception):
    """A pass that must not be honoured; ``code`` is stable, ``detail`` is for people reading logs."""

    def __init__(self, code: RejectionCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: RejectionCode = code
        self.detail = detail


class PassFormatError(PassRejected):
    """The text is not a pass this module can read: ``malformed`` or ``unsupported_version``."""


class KeyFormatError(ValueError):
    """A serialised key of the wrong size or encoding."""


@dataclass(frozen=True)
class PassClaims:
    """What a pass asserts once its signature holds."""

    pass_id: uuid.UUID
    centre: str
    valid_from: int
    valid_until: int
    party_size: int
    # The booking the pass belongs to (version 2); None for a version 1 pass, which carries none.
    booking_id: uuid.UUID | None = None

    @property
    def version(self) -> int:
        return 1 if self.booking_id is None else 2

    def __post_init__(self) -> None:
        # Checked here so that a pass that could not be signed cannot be decoded either.
        if not _CENTRE_CODE.fullmatch(self.centre):
            raise ValueError(f"centre code must match {_CENTRE_CODE.pattern}: {self.centre!r}")
        if not 0 <= self.valid_from < self.valid_until <= MAX_UNIX_SECONDS:
            raise ValueError("need 0 <= valid_from < valid_until < 2**32")
        if not 1 <= self.party_size <= 255:
            raise ValueError(f"party size must be 1..255: {self.party_size}")


class DecodedPass(NamedTuple):
    """A parsed pass whose signature has not been checked yet."""

    claims: PassClaims
    kid: str
    signed_bytes: bytes
    signature: bytes


# --- base45 (RFC 9285) ------------------------------------------------------------------------------
# Written here rather than installed: it is thirty lines, the PyPI packages for it are small and
# little maintained, and every extra dependency is one more thing to ship to each gate computer.

_B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {char: value for value, char in enumerate(_B45_ALPHABET)}


def b45encode(data: bytes) -> str:
    """Two bytes become three characters, a last odd byte two, least significant digit first."""
    chars: list[str] = []
    for start in range(0, len(data), 2):
        chunk = data[start : start + 2]
        number = int.from_bytes(chunk, "big")
        for _ in range(len(chunk) + 1):
            number, digit = divmod(number, 45)
            chars.append(_B45_ALPHABET[digit])
    return "".join(chars)


def b45decode(text: str) -> bytes:
    """Strict inverse of :func:`b45encode`: anything it could not have produced is a ``ValueError``."""
    if len(text) % 3 == 1:
        raise ValueError("base45 length leaves a single character")
    out = bytearray()
    for start in range(0, len(text), 3):
        chunk = text[start : start + 3]
        try:
            digits = [_B45_VALUE[char] for char in chunk]
        except KeyError as exc:
            raise ValueError(f"not a base45 character: {exc.args[0]!r}") from None
        number = sum(digit * 45**place for place, digit in enumerate(digits))
        size = len(chunk) - 1
        # A value too big for its bytes is not canonical: refuse it, so one pass has one text.
        if number >= 256**size:
            raise ValueError("base45 group out of range")
        out += number.to_bytes(size, "big")
    return bytes(out)


# --- binary layout ----------------------------------------------------------------------------------


def _short_ascii(value: str) -> bytes:
    return bytes([len(value)]) + value.encode("ascii")


def signed_part(claims: PassClaims, kid: str) -> bytes:
    """The bytes the signature covers: everything in the layout but the signature."""
    if not _KEY_ID.fullmatch(kid):
        raise ValueError(f"key id must match {_KEY_ID.pattern}: {kid!r}")
    booking = b"" if claims.booking_id is None else claims.booking_id.bytes
    return b"".join(
        (
            bytes([claims.version]),
            claims.pass_id.bytes,
            booking,
            _short_ascii(claims.centre),
            _WINDOW.pack(claims.valid_from, claims.valid_until, claims.party_size),
            _short_ascii(kid),
        )
    )


class _Reader:
    """Reads the layout front to back; running short is ``malformed``."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def take(self, size: int) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise PassFormatError("malformed", "pass is truncated")
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk

    def short_ascii(self, what: str) -> str:
        raw = self.take(self.take(1)[0])
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise PassFormatError("malformed", f"{what} is not ASCII") from None

    @property
    def offset(self) -> int:
        return self._offset


def _parse(data: bytes) -> DecodedPass:
    reader = _Reader(data)
    version = reader.take(1)[0]
    if version not in VERSIONS:
        raise PassFormatError("unsupported_version", f"version {version}")
    pass_id = uuid.UUID(bytes=reader.take(16))
    booking_id = uuid.UUID(bytes=reader.take(16)) if version >= 2 else None
    centre = reader.short_ascii("centre")
    valid_from, valid_until, party_size = _WINDOW.unpack(reader.take(_WINDOW.size))
    kid = reader.short_ascii("kid")
    if not _KEY_ID.fullmatch(kid):
        raise PassFormatError("malformed", "bad key id")
    signed_bytes = data[: reader.offset]
    signature = reader.take(SIGNATURE_SIZE)
    if reader.offset != len(data):
        raise PassFormatError("malformed", "bytes after the signature")
    try:
        claims = PassClaims(pass_id, centre, valid_from, valid_until, party_size, booking_id)
    except ValueError as exc:
        raise PassFormatError("malformed", str(exc)) from None
    return DecodedPass(claims, kid, signed_bytes, signature)


# --- the public operations --------------------------------------------------------------------------


def sign_pass(claims: PassClaims, private_key: Ed25519PrivateKey, kid: str) -> str:
    """The pass text for ``claims``, signed by ``private_key`` published under ``kid``."""
    body = signed_part(claims, kid)
    return SCHEME_TAG + b45encode(body + private_key.sign(body))


def decode_pass(text: str) -> DecodedPass:
    """Parse a pass text without checking its signature; raise :class:`PassFormatError` if unreadable."""
    if not text.startswith(SCHEME_TAG):
        raise PassFormatError("malformed", "not an Estivage pass")
    if len(text) > MAX_PAYLOAD_LENGTH:
        raise PassFormatError("malformed", "longer than any pass")
    try:
        data = b45decode(text[len(SCHEME_TAG) :])
    except ValueError as exc:
        raise PassFormatError("malformed", str(exc)) from None
    if not data:
        raise PassFormatError("malformed", "empty pass")
    return _parse(data)


def verify_pass(text: str, public_keys: PublicKeyring) -> PassClaims:
    """The claims of a pass signed by one of ``public_keys``; raise :class:`PassRejected` otherwise.

    Nothing about time, centre or revocation is judged here: that is the gate's decision.
    """
    decoded = decode_pass(text)
    public_key = public_keys.get(decoded.kid)
    if public_key is None:
        raise PassRejected("unknown_key", f"kid {decoded.kid!r}")
    try:
        public_key.verify(decoded.signature, decoded.signed_bytes)
    except InvalidSignature:
        raise PassRejected("bad_signature") from None
    return decoded.claims


# --- the booking code -------------------------------------------------------------------------------
# Eight characters printed under the QR code that a guard can type when the camera fails, e.g.
# ``K7QM-2R4D``: the first 40 bits of SHA-256(``"estivage booking code" || 0x00 || booking UUID bytes``)
# in Crockford's base32 (digits and upper-case letters without I, L, O, U: nothing to misread), as two
# groups of four. A hash rather than the UUID's own first bits, so that the code stays random whatever
# kind of UUID the bookings get. 40 bits: a centre's few hundred bookings of the coming days collide
# with a chance near one in ten million, and a gate that meets two says so (``ambiguous_code``).
# Typed input is read leniently: case, spaces and hyphens do not matter, O reads as 0, I and L as 1.

BOOKING_CODE_LENGTH = 8
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def booking_code(booking_id: uuid.UUID) -> str:
    """The booking's short code, as printed: ``XXXX-XXXX``."""
    digest = hashlib.sha256(b"estivage booking code\x00" + booking_id.bytes).digest()
    number = int.from_bytes(digest[:5], "big")
    chars = "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_booking_code(text: str) -> str | None:
    """A code as a guard typed it, in its printed form; None when it cannot be a booking code."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_CODE_READS_AS)
    if len(compact) != BOOKING_CODE_LENGTH or any(char not in _CROCKFORD for char in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


# --- keys -------------------------------------------------------------------------------------------


def public_key_to_base64url(public_key: Ed25519PublicKey) -> str:
    """The raw 32 bytes in base64url without padding, as the keys endpoint publishes them (JWK style)."""
    return base64.urlsafe_b64encode(public_key.public_bytes_raw()).rstrip(b"=").decode("ascii")


def public_key_from_base64url(text: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_to_base64url`; padding is accepted too."""
    unpadded = text.rstrip("=")
    # The decoder would skip stray characters silently; a key with any of them is refused instead.
    if not _BASE64URL.fullmatch(unpadded):
        raise KeyFormatError("public key is not base64url")
    try:
        raw = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"public key is not base64url: {exc}") from None
    return _load_raw(raw, Ed25519PublicKey.from_public_bytes, "public")


def private_key_to_raw(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte seed, the smallest form to keep in a secret store."""
    return private_key.private_bytes_raw()


def private_key_from_raw(raw: bytes) -> Ed25519PrivateKey:
    return _load_raw(raw, Ed25519PrivateKey.from_private_bytes, "private")


_Key = TypeVar("_Key", Ed25519PrivateKey, Ed25519PublicKey)


def _load_raw(raw: bytes, load: Callable[[bytes], _Key], kind: str) -> _Key:
    if len(raw) != 32:
        raise KeyFormatError(f"an Ed25519 {kind} key is 32 bytes, got {len(raw)}")
    try:
        return load(raw)
    except ValueError as exc:
        raise KeyFormatError(f"not an Ed25519 {kind} key: {exc}") from None
