"""Words, numbers, money and dates for people, in French and Arabic.

One module below the domains, so that the pages, the mail and the PDF receipts say the same thing the
same way. It imports no framework: a page, a mail or a receipt asks `translator(locale)` once and uses it.

Catalogues. gettext catalogues in ``kernel/locale/<locale>/LC_MESSAGES/messages.po`` (``messages.pot``
beside them), compiled to ``messages.mo``. The ``.mo`` files are committed, so a fresh checkout, an
editable install and the wheel all have them without a build step; ``make translations`` extracts the
messages (``babel.cfg``: the Python packages and the Jinja templates), updates both catalogues and
compiles them, and a unit test fails when a ``.mo`` is stale, or a message has no French or Arabic, or a
translation is fuzzy.

Source messages (msgids) are English: the one language every translator of the project reads, the
language of the code around them, and symmetric — French and Arabic are both translations, held to the
same test. Where one English word means two things a context tells them apart (``pgettext``).

Formatting. Every message is a Python %-format with named parameters, always formatted (as Jinja's
"newstyle" gettext does): a literal percent sign is written ``%%``. ``ngettext`` chooses the plural form
by CLDR's rule, which Babel writes into the catalogue header: French has two forms (1 nuit, 2 nuits;
0 is singular), Arabic six (zero; one; two; few = 3–10; many = 11–99; other = 100, 101, 102…).

Numbers, money and dates follow CLDR for Morocco (``fr_MA``, ``ar_MA``): Latin digits in both languages,
as Moroccan bank statements and price tags write them, Moroccan month names in Arabic (يناير … دجنبر) and
24-hour times. An amount in dirhams reads ``1 250,00 MAD`` in French — the ISO code the member's card
statement, Stripe and the tariff forms show — and ``1.250,00 د.م.`` in Arabic, the standard abbreviation
of درهم مغربي (CLDR's ``ar_MA`` symbol), with the separators Moroccan Arabic texts use. Times are shown in
the foundation's zone, Africa/Casablanca, unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from babel import core, dates, lists, numbers
from babel.support import Translations

LOCALES = ("fr", "ar")
DEFAULT_LOCALE = "fr"
DIRECTION = {"fr": "ltr", "ar": "rtl"}
# Each language's own name, shown on the switch to it: never translated.
AUTONYM = {"fr": "Français", "ar": "العربية"}
# The cookie that keeps a browser's choice (the pages, and the test-mode payment page).
LOCALE_COOKIE = "estivage_lang"
TIME_ZONE = ZoneInfo("Africa/Casablanca")
CATALOGUES = Path(__file__).with_name("locale")
DOMAIN = "messages"
# The CLDR locale whose formats each page language uses: Morocco's. Parsed once: Babel's formatters take
# a third less time given a Locale than given its name (bench/i18n.py).
_REGIONAL = {"fr": core.Locale.parse("fr_MA"), "ar": core.Locale.parse("ar_MA")}
_DAY = "yMMMd"  # CLDR skeleton: "20 déc. 2026", "20 دجنبر 2026"
_MONTH = "yMMMM"  # CLDR skeleton: "décembre 2026", "دجنبر 2026" (a payroll deduction's month)


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for (Babel's default keyword)
    """Marks a message for extraction where it is not translated yet (a table of words by code)."""
    return message


class Amount(Protocol):
    """Money as the domains hold it: an integer of minor units and its ISO currency."""

    @property
    def amount_minor(self) -> int: ...

    @property
    def currency(self) -> str: ...


def negotiate_locale(
    chosen: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """The page's language: the user's own choice, else the browser's remembered one (cookie), else the
    first of the browser's languages we have (``Accept-Language``, by its q-values), else French."""
    for explicit in (chosen, cookie):
        if explicit in LOCALES:
            return str(explicit)
    found = core.negotiate_locale(_accepted(accept_language or ""), LOCALES, sep="-")
    return found or DEFAULT_LOCALE


def _accepted(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first. Hand-written: Babel has no parser for it
    and this module takes no web framework; a malformed q-value counts as 0 (not wanted)."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, options = item.partition(";")
        tag = tag.strip()
        q = 1.0
        if options.strip().startswith("q="):
            try:
                q = float(options.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, position, tag.lower()))
    return [tag for _q, _p, tag in sorted(weighted)]


@cache
def catalogue(locale: str) -> Translations:
    """The compiled catalogue of a page language (loaded once). A missing ``.mo`` is an error here, not
    a page silently in English."""
    if locale not in LOCALES:
        raise ValueError(f"no catalogue for {locale!r}; the languages are {LOCALES}")
    with (CATALOGUES / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as compiled:
        return Translations(compiled, domain=DOMAIN)


def format_number(value: int | float | Decimal, locale: str, decimals: int | None = None) -> str:
    """With its locale's separators; with exactly `decimals` digits after the separator when given."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, pattern, locale=_REGIONAL[locale])


def format_percent(ratio: float | Decimal, locale: str, decimals: int = 0) -> str:
    """0.125 as "12,5%" (decimals=1); at most `decimals` digits after the separator."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "") + "%"
    return numbers.format_percent(ratio, pattern, locale=_REGIONAL[locale])


def format_money(amount: Amount, locale: str) -> str:
    """The amount in its currency's own decimals (two for MAD), with the currency as Moroccans read it
    in that language (see the module's docstring)."""
    digits = numbers.get_currency_precision(amount.currency)
    value = Decimal(amount.amount_minor).scaleb(-digits)
    return str(numbers.format_currency(value, amount.currency, locale=_REGIONAL[locale]))


def format_date(value: date, locale: str) -> str:
    """A day with its month by name: "20 déc. 2026", "20 دجنبر 2026" (a datetime: its day in Morocco)."""
    if isinstance(value, datetime):
        value = value.astimezone(TIME_ZONE).date()
    return dates.format_skeleton(_DAY, value, locale=_REGIONAL[locale])


def format_month(value: date, locale: str) -> str:
    """A month by its whole name and year: "décembre 2026", "دجنبر 2026" (Morocco's month names)."""
    return dates.format_skeleton(_MONTH, value, locale=_REGIONAL[locale])


def format_date_range(first: date, last: date, locale: str) -> str:
    """Two days as one span, sharing what they share: "20–24 déc. 2026", "28 déc. 2026 – 3 jan. 2027"."""
    return dates.format_interval(first, last, _DAY, locale=_REGIONAL[locale])


def format_time(value: datetime, locale: str, zone: ZoneInfo = TIME_ZONE) -> str:
    return dates.format_time(value, "short", tzinfo=zone, locale=_REGIONAL[locale])


def format_hour(value: time_of_day, locale: str) -> str:
    """A time of day with no date (a centre's arrival from 14:00): "14:00" in both languages."""
    return dates.format_time(value, "short", locale=_REGIONAL[locale])


def format_datetime(value: datetime, locale: str, zone: ZoneInfo = TIME_ZONE) -> str:
    """A moment in Morocco (or in `zone`): its day as `format_date` says it, then its time, joined the
    way the locale joins them ("20 déc. 2026 15:05", "20 دجنبر 2026، 15:05")."""
    regional = _REGIONAL[locale]
    local = value.astimezone(zone)
    joined = str(dates.get_datetime_format("medium", locale=regional)).replace("'", "")
    return joined.replace("{1}", format_date(local.date(), locale)).replace(
        "{0}", format_time(local, locale, zone)
    )


def format_weekday(iso_day: int, locale: str) -> str:
    """1 (Monday) … 7 (Sunday) by its name."""
    return str(dates.get_day_names("wide", locale=_REGIONAL[locale])[iso_day - 1])


def format_list(items: Iterable[str], locale: str) -> str:
    """ "vendredi et samedi", "الجمعة والسبت"."""
    return lists.format_list(list(items), locale=_REGIONAL[locale])


@dataclass(frozen=True, slots=True)
class Translator:
    """The words and formats of one page language, so a page, a mail or a receipt passes one value.

    The gettext family lives here only, message first, as gettext tools expect: a module function
    ``gettext(locale, message)`` would hide its message from extraction."""

    locale: str

    @property
    def direction(self) -> str:
        return DIRECTION[self.locale]

    def gettext(self, message: str, /, **params: object) -> str:
        return str(catalogue(self.locale).gettext(message)) % params

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The plural form for ``n`` in the locale; ``%(num)s`` is ``n`` unless given."""
        params.setdefault("num", n)
        return str(catalogue(self.locale).ngettext(singular, plural, n)) % params

    def pgettext(self, context: str, message: str, /, **params: object) -> str:
        return str(catalogue(self.locale).pgettext(context, message)) % params

    def npgettext(self, context: str, singular: str, plural: str, n: int, /, **params: object) -> str:
        params.setdefault("num", n)
        return str(catalogue(self.locale).npgettext(context, singular, plural, n)) % params

    def money(self, amount: Amount) -> str:
        return format_money(amount, self.locale)

    def number(self, value: int | float | Decimal, decimals: int | None = None) -> str:
        return format_number(value, self.locale, decimals)

    def percent(self, ratio: float | Decimal, decimals: int = 0) -> str:
        return format_percent(ratio, self.locale, decimals)

    def day(self, value: date) -> str:
        return format_date(value, self.locale)

    def month(self, value: date) -> str:
        return format_month(value, self.locale)

    def span(self, first: date, last: date) -> str:
        return format_date_range(first, last, self.locale)

    def time(self, value: datetime) -> str:
        return format_time(value, self.locale)

    def hour(self, value: time_of_day) -> str:
        return format_hour(value, self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(value, self.locale)

    def weekday(self, iso_day: int) -> str:
        return format_weekday(iso_day, self.locale)

    def join(self, items: Iterable[str]) -> str:
        return format_list(items, self.locale)


def translator(locale: str) -> Translator:
    """The translator of a page language; its catalogue is checked (and loaded) now."""
    catalogue(locale)
    return Translator(locale)
