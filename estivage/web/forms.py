"""Reading the staff forms and placing their problems: values typed by people (decimals with a comma,
blank for "none"), the schemas' and the services' problems in the page's language next to the field the
form calls them by, and a problem no field of the form answers for at the top of the form."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from estivage.web import error_words as words
from estivage.web.common import MAX_WHOLE, Errors
from estivage.web.error_words import error_text
from kernel.errors import DomainError
from kernel.i18n import translator

MAX_UNITS = MAX_WHOLE // 100  # MAD or percent typed in a form: its hundredths still fit an integer
# The API's field names and the forms' ones where they differ (the forms take percent, not basis points).
FORM_NAME = {"percent_bp": "percent", "share_bp": "share"}
# Form fields typed in units whose hundredths the API takes (MAD, percent): limits are shown divided.
HUNDREDTHS = frozenset({"percent", "amount", "budget", "nightly", "share"})
TOP = ""  # the errors key of a problem shown at the top of the form


class FieldError(ValueError):
    """A form value that is not a number or a date, or beyond what the field holds: shown next to it."""

    def __init__(self, field: str, message: str = words.INVALID, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.params = params

    def text(self, lang: str) -> str:
        t = translator(lang)
        shown = {k: t.number(v) if isinstance(v, int) else v for k, v in self.params.items()}
        return t.gettext(self.message, **shown)


def hundredths(form: Mapping[str, str], key: str) -> int | None:
    """ "12.5" (MAD or %) as 1250 (centimes or basis points), read as a decimal, never a float; None
    when empty. More than two decimals, "inf", "nan" or a number beyond any price is a field error."""
    text = form.get(key, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FieldError(key, words.NOT_A_NUMBER) from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int):
        raise FieldError(key, words.NOT_A_NUMBER)
    if exponent < -2:
        raise FieldError(key, words.TWO_DECIMALS)
    if abs(value) > MAX_UNITS:
        raise FieldError(key, words.AT_MOST, limit=MAX_UNITS)
    return int(value * 100)


def whole(form: Mapping[str, str], key: str) -> int | None:
    text = form.get(key, "").strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise FieldError(key, words.NOT_A_NUMBER) from None
    if abs(number) > MAX_WHOLE:
        raise FieldError(key, words.AT_MOST, limit=MAX_WHOLE)
    return number


def day_of(form: Mapping[str, str], key: str) -> date | None:
    text = form.get(key, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(key, words.NOT_A_DATE) from None


def codes(form: Mapping[str, str], key: str) -> list[str]:
    """A list typed as "a, b" (or several checked boxes, joined with commas by `form_values`)."""
    return [c.strip() for c in form.get(key, "").split(",") if c.strip()]


def validation_errors(error: Exception, lang: str) -> Errors:
    """A form value's problem, or the schema's (msgspec names the field `$.field`, or a missing one),
    in the page's language under the form's name for the field."""
    if isinstance(error, FieldError):
        return {error.field: error.text(lang)}
    message = str(error)
    found = re.search(r"`\$\.([a-z_]+)", message) or re.search(r"missing required field `([a-z_]+)`", message)
    field = FORM_NAME.get(found.group(1), found.group(1)) if found else TOP
    return {field: schema_problem(message, lang, scaled=field in HUNDREDTHS)}


def schema_problem(message: str, lang: str, scaled: bool = False) -> str:
    """msgspec's English message as the catalogue's words: required, not a number or a date, a bound."""
    t = translator(lang)
    if "missing required field" in message or "of length >= 1" in message:
        return t.gettext(words.REQUIRED)
    if length := re.search(r"of length <= (\d+)", message):
        return words.too_long(t, int(length.group(1)))
    if bound := re.search(r"Expected `int[^`]*` ([<>]=?) (-?\d+)", message):
        limit = Decimal(bound.group(2)) / 100 if scaled else Decimal(bound.group(2))
        bound_words = words.AT_LEAST if bound.group(1).startswith(">") else words.AT_MOST
        return t.gettext(bound_words, limit=t.number(limit))
    if "date" in message and ("RFC3339" in message or "Expected `date" in message):
        return t.gettext(words.NOT_A_DATE)
    if re.search(r"Expected `(int|float)", message):
        return t.gettext(words.NOT_A_NUMBER)
    if "matching regex" in message:
        return t.gettext(words.BAD_FORMAT)
    if "Invalid enum value" in message:
        return t.gettext(words.NOT_A_CHOICE)
    return t.gettext(words.INVALID)


def domain_errors(error: DomainError, lang: str) -> Errors:
    """A service's problem under the form's name for the field it names."""
    field = FORM_NAME.get(error.field or "", error.field or TOP)
    return {field: error_text(lang, error)}


def placed(errors: Errors, fields: Collection[str]) -> Errors:
    """Each problem next to its field when the form has it, the others together at the top."""
    kept = {k: v for k, v in errors.items() if k in fields}
    others = [v for k, v in errors.items() if k not in fields]
    return {**kept, TOP: " ".join(others)} if others else kept


def form_problems(error: Exception, lang: str, fields: Collection[str]) -> Errors:
    """Any problem of a staff form, placed on that form."""
    if isinstance(error, DomainError):
        return placed(domain_errors(error, lang), fields)
    return placed(validation_errors(error, lang), fields)
