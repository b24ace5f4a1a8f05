"""The committed lottery: commitments, digest, the key from two seeds, the documented shuffle and its test
vectors."""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections import Counter
from itertools import count, permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.domain.allocation.allocate import Application, Slot
from booking.domain.allocation.lottery import (
    LotteryError,
    applications_digest,
    commit,
    draw_below,
    lottery_key,
    lottery_order,
    verify_commitment,
)

SEED = bytes(range(32))
CLOSE_SEED = bytes(range(32, 64))
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
IDS = [f"A{n:02d}" for n in range(1, 11)]
seeds = st.binary(min_size=16, max_size=48)
id_lists = st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=30)


def reference_order(seed: bytes, close_seed: bytes | None, digest: str, ids: list[str]) -> list[str]:
    """The shuffle re-written from docs/allocation.md alone, as another implementer would (format 1: no
    close seed, the one seed is the key)."""
    key = seed if close_seed is None else hashlib.sha256(seed + close_seed).digest()
    deck = sorted(ids, key=lambda text: text.encode("utf-8"))
    counter = 0

    def word() -> int:
        nonlocal counter
        block = hmac.digest(key, digest.encode("ascii") + struct.pack(">Q", counter), "sha256")
        counter += 1
        return int(struct.unpack(">Q", block[:8])[0])

    for i in range(len(deck) - 1, 0, -1):
        bound = i + 1
        while (r := word()) >= 2**64 - 2**64 % bound:
            pass
        j = r % bound
        deck[i], deck[j] = deck[j], deck[i]
    return deck


def test_the_published_test_vectors() -> None:
    two_seeds = ["A06", "A02", "A04", "A08", "A05", "A01", "A07", "A10", "A03", "A09"]
    assert lottery_order(lottery_key(SEED, CLOSE_SEED), EMPTY_DIGEST, IDS) == two_seeds
    format_1 = ["A02", "A04", "A10", "A03", "A01", "A07", "A05", "A09", "A08", "A06"]
    assert lottery_order(SEED, EMPTY_DIGEST, IDS) == format_1


def test_the_key_is_the_sha256_of_both_seeds_and_needs_both() -> None:
    assert lottery_key(SEED, CLOSE_SEED) == hashlib.sha256(SEED + CLOSE_SEED).digest()
    assert lottery_key(CLOSE_SEED, SEED) != lottery_key(SEED, CLOSE_SEED)  # the opening seed comes first
    base = lottery_order(lottery_key(SEED, CLOSE_SEED), EMPTY_DIGEST, IDS)
    # The same opening seed with another close seed: another order (editing against the first is vain).
    assert lottery_order(lottery_key(SEED, bytes(32)), EMPTY_DIGEST, IDS) != base
    assert lottery_order(lottery_key(bytes(32), CLOSE_SEED), EMPTY_DIGEST, IDS) != base
    for short in ((SEED, b"x" * 15), (b"x" * 15, CLOSE_SEED)):
        with pytest.raises(LotteryError) as raised:
            lottery_key(*short)
        assert raised.value.code == "seed_too_short"


@given(seed=seeds, close_seed=st.none() | seeds, ids=id_lists, digest_source=st.binary(max_size=8))
def test_matches_a_reimplementation_from_the_documentation(
    seed: bytes, close_seed: bytes | None, ids: list[str], digest_source: bytes
) -> None:
    digest = hashlib.sha256(digest_source).hexdigest()
    key = seed if close_seed is None else lottery_key(seed, close_seed)
    assert lottery_order(key, digest, ids) == reference_order(seed, close_seed, digest, ids)


@given(seed=seeds, ids=id_lists)
def test_same_inputs_same_order_whatever_order_the_ids_come_in(seed: bytes, ids: list[str]) -> None:
    order = lottery_order(seed, EMPTY_DIGEST, ids)
    assert order == lottery_order(seed, EMPTY_DIGEST, list(reversed(ids)))
    assert sorted(order) == sorted(ids)


def test_another_seed_or_other_applications_give_another_order() -> None:
    base = lottery_order(SEED, EMPTY_DIGEST, IDS)
    assert lottery_order(bytes(reversed(SEED)), EMPTY_DIGEST, IDS) != base
    assert lottery_order(SEED, hashlib.sha256(b"other").hexdigest(), IDS) != base


def test_every_order_of_three_comes_out_about_as_often() -> None:
    outcomes = Counter(
        tuple(lottery_order(n.to_bytes(16, "big"), EMPTY_DIGEST, ["a", "b", "c"])) for n in range(1200)
    )
    assert set(outcomes) == set(permutations("abc"))
    assert all(140 <= seen <= 260 for seen in outcomes.values())  # 200 expected each


def test_draw_below_rejects_words_that_would_bias_the_modulo() -> None:
    # 2**64 mod 3 == 1: the top word is the one value that would favour 0, so it is skipped.
    assert draw_below(3, iter([2**64 - 1, 5])) == 2
    assert draw_below(3, iter([2**64 - 2])) == (2**64 - 2) % 3
    with pytest.raises(LotteryError) as raised:
        draw_below(3, iter([2**64 - 1]))
    assert raised.value.code == "words_exhausted"


def test_draw_below_consumes_one_word_when_it_is_accepted() -> None:
    words = count(10)
    assert [draw_below(7, words) for _ in range(3)] == [3, 4, 5]


def test_the_commitment_is_the_sha256_of_the_seed() -> None:
    commitment = commit(SEED)
    assert commitment == hashlib.sha256(SEED).hexdigest()
    assert verify_commitment(SEED, commitment)
    assert verify_commitment(SEED, commitment.upper())
    assert not verify_commitment(SEED[:-1] + b"\xff", commitment)


def test_a_short_seed_is_refused() -> None:
    for refused in (lambda: commit(b"guessable"), lambda: lottery_order(b"x" * 15, EMPTY_DIGEST, IDS)):
        with pytest.raises(LotteryError) as raised:
            refused()
        assert raised.value.code == "seed_too_short"


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(LotteryError) as raised:
        lottery_order(SEED, EMPTY_DIGEST, ["A1", "A2", "A1"])
    assert raised.value.code == "duplicate_application"


def test_the_digest_is_sha256_of_the_canonical_json_sorted_by_id() -> None:
    b = Application("B", "متقاعد", 7, (Slot("mdiq", "R1", "studio"),))
    a = Application("A", "active", 12, (Slot("saidia", "R2", "bungalow"), Slot("ifrane", "R1", "studio")))
    canonical = (
        '[{"application_id":"A","category":"active","choices":[["saidia","R2","bungalow"],'
        '["ifrane","R1","studio"]],"score":12},'
        '{"application_id":"B","category":"متقاعد","choices":[["mdiq","R1","studio"]],"score":7}]'
    )
    assert applications_digest([b, a]) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_digest_changes_with_any_field() -> None:
    original = Application(
        "A", "active", 12, (Slot("saidia", "R2", "bungalow"), Slot("ifrane", "R1", "studio"))
    )
    variants = [
        Application("A", "retired", 12, original.choices),
        Application("A", "active", 13, original.choices),
        Application("A", "active", 12, tuple(reversed(original.choices))),
        Application("A2", "active", 12, original.choices),
    ]
    digests = {applications_digest([variant]) for variant in [original, *variants]}
    assert len(digests) == 5
