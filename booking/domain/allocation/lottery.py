"""The lottery that orders applicants of equal score, checkable by anyone.

Why it can be trusted. The order depends on two secrets and on the applications' digest:

* the **opening seed**, drawn when the campaign opens, before any application exists; its commitment
  is published then;
* the **close seed**, drawn when applications close, in the same step that freezes them into the
  digest; its commitment is published then, with the digest.

Both seeds are revealed at the draw, so that anyone can check them against their commitments and
re-run the lottery. Neither alone predicts the order. While applications can still be edited the close
seed does not exist yet, so someone who can read the opening seed (from the database) cannot compute
the order an edit would give, and gains nothing by editing until a tie-break suits them. Whoever draws
the close seed cannot choose it for the order it gives without knowing the opening seed, which is never
shown before the draw; and the opening seed was fixed before there were applications to favour. Once
both commitments are out, neither seed can be swapped, and since the digest is part of the input the
applications cannot be edited after the fact either. Each seed must be secret, random and at least 16
bytes (the service draws 32 with ``secrets.token_bytes``), otherwise its commitment could be
brute-forced before the reveal.

Specification (enough to re-implement it in another language):

1. **Canonical JSON** (RFC 8785 for the strings and integers used here): object keys sorted, no
   whitespace, non-ASCII characters written as UTF-8 rather than ``\\u`` escapes, then UTF-8 encoded.
2. **Applications digest** ``D``: each application becomes the object
   ``{"application_id": str, "category": str, "choices": [[centre, rotation, unit_type], ...], "score": int}``
   (choices in the member's order of preference); the objects are sorted by ``application_id``
   (Unicode code points, i.e. UTF-8 bytes) into one JSON array; ``D`` is the lowercase hex SHA-256 of its
   canonical JSON.
3. **Commitments**: lowercase hex SHA-256 of each seed's raw bytes.
4. **Lottery key** ``K`` = SHA-256(opening seed bytes || close seed bytes), the 32 raw bytes of the
   digest (not hex). A draw published in format 1 (``estivage-allocation-inputs/1``) had one seed, and
   ``K`` is that seed itself.
5. **Random words**: the ``c``-th word (``c`` = 0, 1, 2, ...) is the first 8 bytes, read as a big-endian
   unsigned integer, of ``HMAC-SHA256(key=K, message=ASCII(D) || c as 8 bytes big-endian)``.
6. **Uniform draw below m** (rejection sampling, so no value is favoured by a modulo): take the next
   word ``r``; if ``r >= 2**64 - (2**64 mod m)`` discard it and take the next; else the draw is ``r mod m``.
7. **Shuffle** (Fisher-Yates): sort the application ids by code point into ``a[0..n-1]``; for ``i`` from
   ``n-1`` down to ``1``: ``j`` = draw below ``i+1``; swap ``a[i]`` and ``a[j]``. Words are consumed in
   that order, one counter for the whole shuffle.
8. **Lottery rank**: ``a[k]`` has rank ``k+1``; a lower rank goes first among equal scores.

Test vectors (``tests/unit/booking/allocation/test_lottery.py`` and ``docs/allocation.md``), ``D`` =
SHA-256 hex of the empty string, ids ``A01``..``A10``: opening seed = bytes 0x00..0x1f and close seed =
bytes 0x20..0x3f give ``A06 A02 A04 A08 A05 A01 A07 A10 A03 A09``; format 1, seed = bytes 0x00..0x1f,
gives ``A02 A04 A10 A03 A01 A07 A05 A09 A08 A06``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeAlias

MIN_SEED_BYTES = 16
_WORD_SPACE = 2**64

JsonValue: TypeAlias = str | int | list["JsonValue"] | dict[str, "JsonValue"]


class LotteryError(ValueError):
    """The draw cannot run on these inputs; ``code`` is stable, ``detail`` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class CanonicalApplication(Protocol):
    """What the digest needs from an application (``allocate.Application`` is one)."""

    @property
    def application_id(self) -> str: ...

    def canonical(self) -> dict[str, JsonValue]: ...


def canonical_json(value: JsonValue) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def commit(seed: bytes) -> str:
    """The commitment published before the draw."""
    _check_seed(seed)
    return hashlib.sha256(seed).hexdigest()


def verify_commitment(seed: bytes, commitment: str) -> bool:
    return hmac.compare_digest(hashlib.sha256(seed).hexdigest(), commitment.strip().lower())


def applications_digest(applications: Iterable[CanonicalApplication]) -> str:
    ordered = sorted(applications, key=lambda application: application.application_id)
    return hashlib.sha256(canonical_json([application.canonical() for application in ordered])).hexdigest()


def lottery_key(seed: bytes, close_seed: bytes) -> bytes:
    """Step 4: the key of the lottery, from the opening seed and the close seed (both needed)."""
    _check_seed(seed)
    _check_seed(close_seed)
    return hashlib.sha256(seed + close_seed).digest()


def random_words(key: bytes, digest: str) -> Iterator[int]:
    """Step 5 of the specification: an endless stream of 64-bit words."""
    prefix = digest.encode("ascii")
    counter = 0
    while True:
        block = hmac.new(key, prefix + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        yield int.from_bytes(block[:8], "big")
        counter += 1


def draw_below(bound: int, words: Iterator[int]) -> int:
    """Step 6: a uniform integer in ``[0, bound)``; words at or above the last whole multiple are skipped."""
    limit = _WORD_SPACE - _WORD_SPACE % bound
    for word in words:
        if word < limit:
            return word % bound
    raise LotteryError("words_exhausted", "the random stream ended")


def lottery_order(key: bytes, digest: str, application_ids: Iterable[str]) -> list[str]:
    """Steps 7-8: the application ids in lottery order (first = rank 1); ``key`` is ``lottery_key``'s (or
    a format 1 draw's one seed)."""
    _check_seed(key)
    order = sorted(application_ids)
    if len(set(order)) != len(order):
        raise LotteryError("duplicate_application", "an application id appears twice")
    words = random_words(key, digest)
    for i in range(len(order) - 1, 0, -1):
        j = draw_below(i + 1, words)
        order[i], order[j] = order[j], order[i]
    return order


def _check_seed(seed: bytes) -> None:
    if len(seed) < MIN_SEED_BYTES:
        raise LotteryError("seed_too_short", f"the seed must hold at least {MIN_SEED_BYTES} random bytes")
