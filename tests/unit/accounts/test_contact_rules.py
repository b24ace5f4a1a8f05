"""A member's phone number, language and the one-time code that confirms a new e-mail address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.domain import contact
from kernel.errors import RuleViolation


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("+212 6 61-23 45 67", "+212661234567"),
        ("0661.23.45.67", "0661234567"),
        ("(0522) 12 34 56", "0522123456"),
        ("", ""),
    ],
)
def test_a_phone_number_is_kept_as_its_digits(written: str, kept: str) -> None:
    assert contact.phone_number(written) == kept


@pytest.mark.parametrize("written", ["12", "+212 6 61 23 45 67 89 01 23", "06 61 AB 45 67", "++212661234567"])
def test_a_phone_number_too_short_too_long_or_with_letters_is_refused(written: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        contact.phone_number(written)
    assert (refused.value.code, refused.value.field) == ("invalid_phone", "phone")


def test_a_code_has_six_digits_leading_zeros_included_and_only_its_salted_hash_matches() -> None:
    code = contact.new_code(lambda _n: 4242)
    assert code == "004242"
    stored = contact.digest("salt", code)
    assert contact.code_matches("salt", stored, " 004242 ")
    assert not contact.code_matches("salt", stored, "4242")
    assert not contact.code_matches("other-salt", stored, code)
    assert stored != contact.digest("other-salt", code)


def test_a_code_lives_fifteen_minutes() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert contact.expiry(now) == datetime(2026, 11, 23, 9, 15, tzinfo=UTC)


def test_the_languages_are_french_and_arabic() -> None:
    assert contact.language("ar") == "ar"
    with pytest.raises(RuleViolation):
        contact.language("en")
