"""The foundation's roster (the HR/payroll export): what each line must hold, and what an import changes.

The file (CONTRACT.md, ``estivage members import``): UTF-8 (a BOM and CRLF line ends accepted), a header
row naming at least ``COLUMNS`` in any order (other columns are ignored), then one member a line, keyed
by ``member_number``. Blank lines are skipped. A line is refused for every reason it has, each with its
column (``Problem``), so one run of the import lists everything to fix; a file whose header cannot be
used is refused whole (``RosterUnreadable``).

What a line must hold:

=================  ========  ================================================================
column             required  rule
=================  ========  ================================================================
member_number      yes       1-16 letters, digits, ``.``, ``_``, ``/`` or ``-``; once in the file
last_name          yes       at most 100 characters
first_name         yes       at most 100 characters
last_name_ar       no        at most 100 characters, in Arabic script
first_name_ar      no        at most 100 characters, in Arabic script
category           yes       one of the foundation's categories (``active``, ``retired``...)
email              no        an address (kept normalised); the activation code goes there
phone              no        8 to 15 digits, ``+`` first if any (spaces, dots, dashes allowed)
birth_date         yes       ``YYYY-MM-DD``, from 1900 to today
family_size        yes       1 to 30 (the member counts)
salary_scale       yes       1 to 20 (12 for "hors échelle")
=================  ========  ================================================================

Category, family size and salary scale are what the summer score reads
(``booking.domain.allocation.score``); the category also sets the tariff of a new booking (a booking
keeps the category and the price it was made with).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import attrgetter

from email_validator import EmailNotValidError, validate_email

from accounts.domain.contact import phone_number
from kernel.codes import ErrorCode
from kernel.errors import DomainError

COLUMNS = (
    "member_number",
    "last_name",
    "first_name",
    "last_name_ar",
    "first_name_ar",
    "category",
    "email",
    "phone",
    "birth_date",
    "family_size",
    "salary_scale",
)
OPTIONAL = frozenset({"last_name_ar", "first_name_ar", "email", "phone"})
# The categories the summer score and the demo tariffs know; a foundation's own (those its tariffs
# name) are added by the caller.
DEFAULT_CATEGORIES = ("active", "retired")
NAME_LENGTH = 100
EMAIL_LENGTH = 200
FAMILY_SIZES = (1, 30)
SALARY_SCALES = (1, 20)
FIRST_BIRTH_YEAR = 1900

_MEMBER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,15}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SMALL_NUMBER = re.compile(r"[0-9]{1,4}")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064A\u0671-\u06D3\u06FA-\u06FC]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_UNDECODED = re.compile(r"[\udc80-\udcff]")  # bytes that were not UTF-8, kept by "surrogateescape"
# A plain ASCII address (dot-atoms, letters for a top-level domain): most of a roster. These are accepted
# as email_validator accepts them (the domain lower-cased), without its cost (about 150 us an address,
# two thirds of checking a line); anything else goes through email_validator itself.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+([A-Za-z]{{2,63}}))")
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


class RosterUnreadable(DomainError):
    """The file cannot be used at all (no header, missing columns, not text): nothing is read of it."""


class ProblemCode(StrEnum):
    MISSING = "missing"
    TOO_LONG = "too_long"
    BAD_MEMBER_NUMBER = "bad_member_number"
    DUPLICATE = "duplicate"
    NOT_ARABIC = "not_arabic"
    UNKNOWN_CATEGORY = "unknown_category"
    BAD_EMAIL = "bad_email"
    BAD_PHONE = "bad_phone"
    BAD_DATE = "bad_date"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    BAD_NUMBER = "bad_number"
    OUT_OF_RANGE = "out_of_range"
    BAD_ENCODING = "bad_encoding"
    FIELD_COUNT = "field_count"
    UNREADABLE_LINE = "unreadable_line"
    NOT_A_MEMBER_ACCOUNT = "not_a_member_account"


_SAYS = {
    ProblemCode.MISSING: "is empty",
    ProblemCode.TOO_LONG: "is longer than {limit} characters",
    ProblemCode.BAD_MEMBER_NUMBER: "{value!r} is not a member number (1-16 letters, digits, . _ / -)",
    ProblemCode.DUPLICATE: "{value} is already on line {limit}",
    ProblemCode.NOT_ARABIC: "{value!r} is not in Arabic script",
    ProblemCode.UNKNOWN_CATEGORY: "{value!r} is not a category ({limit})",
    ProblemCode.BAD_EMAIL: "{value!r} is not an e-mail address",
    ProblemCode.BAD_PHONE: "{value!r} is not a phone number (8 to 15 digits, + first if any)",
    ProblemCode.BAD_DATE: "{value!r} is not a date (YYYY-MM-DD)",
    ProblemCode.DATE_OUT_OF_RANGE: "{value} is not between {limit}",
    ProblemCode.BAD_NUMBER: "{value!r} is not a whole number",
    ProblemCode.OUT_OF_RANGE: "{value} is not between {limit}",
    ProblemCode.BAD_ENCODING: "is not UTF-8 text",
    ProblemCode.FIELD_COUNT: "has {value} fields where the header has {limit}",
    ProblemCode.UNREADABLE_LINE: "cannot be read as CSV ({value})",
    ProblemCode.NOT_A_MEMBER_ACCOUNT: "{value} is the name of an account that is not a member's",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a line is refused: its column (``line`` for the whole line), a stable code, the value
    refused (shortened) and the bound it broke, for the pages to say in their own words."""

    column: str
    code: ProblemCode
    value: str = ""
    limit: str = ""

    def describe(self) -> str:
        subject = "the line" if self.column == "line" else self.column
        return f"{subject} " + _SAYS[self.code].format(value=self.value, limit=self.limit)


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    problems: tuple[Problem, ...]

    def describe(self) -> str:
        return f"line {self.line}: " + "; ".join(p.describe() for p in self.problems)


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One member as the roster says them, checked and normalised (the values stored as they are)."""

    member_number: str
    last_name: str
    first_name: str
    last_name_ar: str
    first_name_ar: str
    category: str
    email: str
    phone: str
    birth_date: date
    family_size: int
    salary_scale: int

    def values(self) -> tuple[object, ...]:
        """The facts in ``COLUMNS`` order, to compare with what is on file (``OnFile.values``)."""
        return _FACTS_OF(self)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


_FACTS_OF = attrgetter(*COLUMNS)  # dataclasses.astuple deep-copies: a tenth of an import's time


@dataclass(frozen=True, slots=True)
class RosterLine:
    """A line read: the member it gives, or why it is refused."""

    line: int
    entry: RosterEntry | None
    bad: BadLine | None = None


def read_roster(lines: Iterable[str], categories: Collection[str], today: date) -> Iterator[RosterLine]:
    """Each member line of the file, checked, as it is read (the file is never held whole).

    ``lines``: the text's lines, decoded with ``errors="surrogateescape"`` and ``newline=""`` so that a
    line that is not UTF-8 reaches here to be refused by its number, and quoted line ends stay fields.
    Line numbers count the header as line 1."""
    reader = csv.reader(lines)
    columns = _header(reader)
    where = {name: columns.index(name) for name in COLUMNS}
    known = frozenset(categories)
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as broken:
            yield _bad(reader.line_num, Problem("line", ProblemCode.UNREADABLE_LINE, str(broken)))
            continue
        if not any(value.strip() for value in row):
            continue
        yield _line(reader.line_num, row, where, len(columns), known, seen, today)


def _header(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as broken:
        raise RosterUnreadable(
            ErrorCode.ROSTER_UNREADABLE, f"the header cannot be read as CSV: {broken}"
        ) from broken
    if header is None:
        raise RosterUnreadable(ErrorCode.ROSTER_EMPTY, "the file is empty: it has no header row")
    columns = [name.strip().lower() for name in header]
    if any(_UNDECODED.search(name) for name in columns):
        raise RosterUnreadable(ErrorCode.ROSTER_ENCODING, "the header row is not UTF-8 text")
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        raise RosterUnreadable(
            ErrorCode.ROSTER_COLUMNS,
            f"the header row lacks the column(s) {', '.join(missing)}",
            field="header",
        )
    twice = sorted({name for name in COLUMNS if columns.count(name) > 1})
    if twice:
        said = ", ".join(twice)
        raise RosterUnreadable(ErrorCode.ROSTER_COLUMNS, f"the header row names {said} twice", field="header")
    return columns


def _bad(line: int, *problems: Problem) -> RosterLine:
    return RosterLine(line, None, BadLine(line, problems))


def _line(
    line: int,
    row: list[str],
    where: Mapping[str, int],
    width: int,
    categories: frozenset[str],
    seen: dict[str, int],
    today: date,
) -> RosterLine:
    if any(_UNDECODED.search(value) for value in row):
        return _bad(line, Problem("line", ProblemCode.BAD_ENCODING))
    if len(row) > width and any(value.strip() for value in row[width:]):
        return _bad(line, Problem("line", ProblemCode.FIELD_COUNT, str(len(row)), str(width)))
    raw = {name: (row[i].strip() if i < len(row) else "") for name, i in where.items()}
    checks = _Checks(raw)
    number = checks.member_number(seen, line)
    entry = RosterEntry(
        member_number=number,
        last_name=checks.name("last_name"),
        first_name=checks.name("first_name"),
        last_name_ar=checks.arabic_name("last_name_ar"),
        first_name_ar=checks.arabic_name("first_name_ar"),
        category=checks.category(categories),
        email=checks.email(),
        phone=checks.phone(),
        birth_date=checks.birth_date(today),
        family_size=checks.whole_number("family_size", FAMILY_SIZES),
        salary_scale=checks.whole_number("salary_scale", SALARY_SCALES),
    )
    if checks.problems:
        return _bad(line, *checks.problems)
    return RosterLine(line, entry)


@dataclass
class _Checks:
    """The checks of one line's values; each returns the value to keep and notes what is wrong."""

    raw: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    def _refuse(self, column: str, code: ProblemCode, value: str = "", limit: str = "") -> None:
        self.problems.append(Problem(column, code, value[:60], limit))

    def _required(self, column: str) -> str:
        value = self.raw[column]
        if not value and column not in OPTIONAL:
            self._refuse(column, ProblemCode.MISSING)
        return value

    def member_number(self, seen: dict[str, int], line: int) -> str:
        value = self._required("member_number")
        if value and not _MEMBER_NUMBER.fullmatch(value):
            self._refuse("member_number", ProblemCode.BAD_MEMBER_NUMBER, value)
        elif value:
            first = seen.setdefault(value, line)
            if first != line:
                self._refuse("member_number", ProblemCode.DUPLICATE, value, str(first))
        return value

    def name(self, column: str) -> str:
        value = self._required(column)
        if len(value) > NAME_LENGTH:
            self._refuse(column, ProblemCode.TOO_LONG, limit=str(NAME_LENGTH))
        return value

    def arabic_name(self, column: str) -> str:
        value = self.name(column)
        if value and (not _ARABIC_LETTER.search(value) or _LATIN_LETTER.search(value)):
            self._refuse(column, ProblemCode.NOT_ARABIC, value)
        return value

    def category(self, categories: frozenset[str]) -> str:
        value = self._required("category").lower()
        if value and value not in categories:
            self._refuse("category", ProblemCode.UNKNOWN_CATEGORY, value, ", ".join(sorted(categories)))
        return value

    def email(self) -> str:
        value = self._required("email")
        if not value:
            return ""
        normalised = plain_email(value)
        if normalised is None:
            try:
                normalised = str(validate_email(value, check_deliverability=False).normalized)
            except EmailNotValidError:
                self._refuse("email", ProblemCode.BAD_EMAIL, value)
                return value
        if len(normalised) > EMAIL_LENGTH:
            self._refuse("email", ProblemCode.TOO_LONG, limit=str(EMAIL_LENGTH))
        return normalised

    def phone(self) -> str:
        value = self._required("phone")
        try:
            return phone_number(value)
        except DomainError:
            self._refuse("phone", ProblemCode.BAD_PHONE, value)
            return value

    def birth_date(self, today: date) -> date:
        value = self._required("birth_date")
        if not value:
            return today
        try:
            born = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
        except ValueError:
            born = None
        if born is None:
            self._refuse("birth_date", ProblemCode.BAD_DATE, value)
            return today
        if not date(FIRST_BIRTH_YEAR, 1, 1) <= born <= today:
            between = f"{FIRST_BIRTH_YEAR}-01-01 and {today}"
            self._refuse("birth_date", ProblemCode.DATE_OUT_OF_RANGE, value, between)
        return born

    def whole_number(self, column: str, bounds: tuple[int, int]) -> int:
        value = self._required(column)
        if not value:
            return bounds[0]
        if not _SMALL_NUMBER.fullmatch(value):
            self._refuse(column, ProblemCode.BAD_NUMBER, value)
            return bounds[0]
        number = int(value)
        if not bounds[0] <= number <= bounds[1]:
            self._refuse(column, ProblemCode.OUT_OF_RANGE, value, f"{bounds[0]} and {bounds[1]}")
        return number


def plain_email(value: str) -> str | None:
    """A plain address as email_validator would keep it, or None when it is not plain enough to say."""
    plain = _PLAIN_EMAIL.fullmatch(value)
    if plain is None or len(plain[1]) > 64 or "--" in plain[2] or plain[3].lower() in _SPECIAL_USE:
        return None
    return f"{plain[1]}@{plain[2].lower()}"


# What an import changes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnFile:
    """A member as the database holds them, in the terms of the roster."""

    user_id: int
    values: tuple[object, ...]  # in ``COLUMNS`` order, as ``RosterEntry.values``
    active: bool


@dataclass(frozen=True, slots=True)
class Update:
    user_id: int
    entry: RosterEntry
    moved: tuple[str, ...]  # the columns that change, and "active" for a member back on the roster
    was: tuple[object, ...]  # what was on file, in ``COLUMNS`` order

    def describe(self) -> str:
        """The change as an operator reads it: ``M0001: category active -> retired, family_size 3 -> 4``."""
        old = dict(zip(COLUMNS, self.was, strict=True))
        new = dict(zip(COLUMNS, self.entry.values(), strict=True))
        said = [
            "back on the roster" if name == "active" else f"{name} {old[name] or '-'} -> {new[name] or '-'}"
            for name in self.moved
        ]
        return f"{self.entry.member_number}: {', '.join(said)}"


@dataclass(frozen=True, slots=True)
class RosterPlan:
    created: tuple[RosterEntry, ...]
    updated: tuple[Update, ...]
    unchanged: int
    deactivated: tuple[tuple[int, str], ...]  # (account id, member number)
    # The members the file lists with neither e-mail nor phone: no activation or reset code can reach
    # them (``accounts.codes``), so staff must collect one.
    unreachable: tuple[RosterEntry, ...] = ()

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deactivated)

    def summary(self) -> str:
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {self.unchanged}, "
            f"deactivated {len(self.deactivated)}"
        )


class Missing(StrEnum):
    """What becomes of a member on file whom the roster no longer lists."""

    KEEP = "keep"
    DEACTIVATE = "deactivate"


def plan(entries: Iterable[RosterEntry], on_file: Mapping[str, OnFile], missing: Missing) -> RosterPlan:
    """What importing ``entries`` changes. A member the file lists is active (back on the roster if they
    had left it); one it does not list is deactivated only when asked (``Missing.DEACTIVATE``): their
    account stays, with their stays and payments, but they can no longer log in or book."""
    created: list[RosterEntry] = []
    updated: list[Update] = []
    unchanged = 0
    listed: set[str] = set()
    unreachable: list[RosterEntry] = []
    for entry in entries:
        listed.add(entry.member_number)
        if not entry.email and not entry.phone:
            unreachable.append(entry)
        held = on_file.get(entry.member_number)
        if held is None:
            created.append(entry)
            continue
        pairs = zip(COLUMNS, entry.values(), held.values, strict=True)
        moved = tuple(name for name, new, old in pairs if new != old)
        if not held.active:
            moved += ("active",)
        if moved:
            updated.append(Update(held.user_id, entry, moved, held.values))
        else:
            unchanged += 1
    deactivated: tuple[tuple[int, str], ...] = ()
    if missing is Missing.DEACTIVATE:
        deactivated = tuple(
            (held.user_id, number)
            for number, held in sorted(on_file.items())
            if held.active and number not in listed
        )
    return RosterPlan(tuple(created), tuple(updated), unchanged, deactivated, tuple(unreachable))
