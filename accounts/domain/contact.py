"""A member's own contact details: what a phone number may be, and the one-time code that proves a new
e-mail address is theirs before it replaces the one on record.

The code: six digits, sent to the new address only, good for ``CODE_MINUTES``, for one use and at most
``MAX_ATTEMPTS`` tries; only its salted SHA-256 is kept. A slow hash would add nothing here: what keeps a
six-digit code from being guessed is the few tries it allows and its short life, and someone who can
read the table has the addresses already. A member asks for at most ``MAX_CODES_PER_DAY`` codes a day,
so the service cannot be made to mail a stranger's address over and over.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from kernel.codes import ErrorCode
from kernel.errors import DomainError, RuleViolation

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
MAX_CODES_PER_DAY = 5
CODE_DIGITS = 6
LANGUAGES = ("fr", "ar")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


class CodeRefused(DomainError):
    """A wrong, used, expired or exhausted code: nothing changes but the count of tries (400)."""


def phone_number(text: str) -> str:
    """A phone number as written on a form (spaces, dots, dashes, brackets allowed), kept as digits with
    an optional leading +; empty clears it."""
    digits = re.sub(r"[\s.\-()/]", "", text)
    if digits and not _PHONE.fullmatch(digits):
        raise RuleViolation(
            ErrorCode.INVALID_PHONE, "a phone number has 8 to 15 digits, + first if any", field="phone"
        )
    return digits


def language(code: str) -> str:
    if code not in LANGUAGES:
        raise RuleViolation(
            ErrorCode.INVALID_LANGUAGE, f"the languages are {', '.join(LANGUAGES)}", field="language"
        )
    return code


def new_code(below: Callable[[int], int]) -> str:
    """A code of ``CODE_DIGITS`` digits; ``below(n)`` draws an integer in [0, n) (``secrets.randbelow``)."""
    return str(below(10**CODE_DIGITS)).zfill(CODE_DIGITS)


def digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code.strip()}".encode()).hexdigest()


def code_matches(salt: str, stored: str, given: str) -> bool:
    return hmac.compare_digest(stored, digest(salt, given))


def expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=CODE_MINUTES)
