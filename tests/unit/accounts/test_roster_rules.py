"""The roster's rules without a database: what a line must hold, every reason a line is refused, and what
an import changes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from accounts.domain.roster import (
    COLUMNS,
    Missing,
    OnFile,
    ProblemCode,
    RosterEntry,
    RosterLine,
    RosterUnreadable,
    plain_email,
    plan,
    read_roster,
)

TODAY = date(2026, 12, 5)
CATEGORIES = frozenset({"active", "retired"})
HEADER = ",".join(COLUMNS)
GOOD = "M0001,Alaoui,Ahmed,العلوي,أحمد,active,ahmed@example.org,+212 6 12 34 56 78,1961-03-04,4,9"


def read(text: str) -> list[RosterLine]:
    return list(read_roster(io.StringIO(text, newline=""), CATEGORIES, TODAY))


def problems(text: str) -> dict[int, set[tuple[str, ProblemCode]]]:
    return {
        line.line: {(p.column, p.code) for p in line.bad.problems}
        for line in read(text)
        if line.bad is not None
    }


def test_a_good_line_gives_the_member_with_their_values_normalised() -> None:
    (line,) = read(f"{HEADER}\r\n{GOOD}\r\n")
    assert line.line == 2
    assert line.entry == RosterEntry(
        "M0001", "Alaoui", "Ahmed", "العلوي", "أحمد", "active", "ahmed@example.org", "+212612345678",
        date(1961, 3, 4), 4, 9,
    )  # fmt: skip


def test_columns_come_in_any_order_and_others_are_ignored() -> None:
    header = ",".join(["payroll_grade", *reversed(COLUMNS)])
    values = ",".join(["X", *reversed(GOOD.split(","))])
    (line,) = read(f"{header}\n{values}\n")
    assert line.entry is not None
    assert line.entry.member_number == "M0001"


def test_optional_columns_may_be_empty_and_blank_lines_are_skipped() -> None:
    (line,) = read(f"{HEADER}\n\nM0002,Bennani,Salma,,,RETIRED,,,1950-01-01,1,12\n\n")
    assert line.entry is not None
    assert (line.entry.category, line.entry.email, line.entry.phone, line.entry.last_name_ar) == (
        "retired",
        "",
        "",
        "",
    )


def test_every_reason_of_every_bad_line_is_given_with_its_line_number() -> None:
    text = "\n".join(
        [
            HEADER,
            GOOD,
            "M0002,A,B,Latin,,boss,not-an-address,12,1990-02-30,0,x",
            "M0001,A,B,,,active,,,1990-01-01,1,1",
            ",,,,,,,,,,",  # blank: skipped
            ",A,,,,,,,,,",
            "M 3,A,B,,,active,,,31/12/1980,31,21",
            "M0004,A,B,,,active,,,2027-01-01,1,1",
        ]
    )
    assert problems(text) == {
        3: {
            ("last_name_ar", ProblemCode.NOT_ARABIC),
            ("category", ProblemCode.UNKNOWN_CATEGORY),
            ("email", ProblemCode.BAD_EMAIL),
            ("phone", ProblemCode.BAD_PHONE),
            ("birth_date", ProblemCode.BAD_DATE),
            ("family_size", ProblemCode.OUT_OF_RANGE),
            ("salary_scale", ProblemCode.BAD_NUMBER),
        },
        4: {("member_number", ProblemCode.DUPLICATE)},
        6: {
            ("member_number", ProblemCode.MISSING),
            ("first_name", ProblemCode.MISSING),
            ("category", ProblemCode.MISSING),
            ("birth_date", ProblemCode.MISSING),
            ("family_size", ProblemCode.MISSING),
            ("salary_scale", ProblemCode.MISSING),
        },
        7: {
            ("member_number", ProblemCode.BAD_MEMBER_NUMBER),
            ("birth_date", ProblemCode.BAD_DATE),
            ("family_size", ProblemCode.OUT_OF_RANGE),
            ("salary_scale", ProblemCode.OUT_OF_RANGE),
        },
        8: {("birth_date", ProblemCode.DATE_OUT_OF_RANGE)},
    }


def test_a_bad_line_reads_as_its_number_and_its_reasons() -> None:
    (_, bad) = read(f"{HEADER}\n{GOOD}\nM0001,A,B,,,chief,,,1990-01-01,1,1\n")
    assert bad.bad is not None
    assert bad.bad.describe() == (
        "line 3: member_number M0001 is already on line 2; "
        "category 'chief' is not a category (active, retired)"
    )


def test_a_line_that_is_not_utf8_is_refused_by_its_number_and_the_others_read_on() -> None:
    data = f"{HEADER}\n{GOOD}\n".encode() + b"M0002,Ben\xe9,S,,,active,,,1990-01-01,1,1\n"
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="surrogateescape", newline="")
    first, second = read_roster(text, CATEGORIES, TODAY)
    assert first.entry is not None
    assert second.bad is not None
    assert [p.code for p in second.bad.problems] == [ProblemCode.BAD_ENCODING]


def test_a_line_with_more_values_than_the_header_is_refused() -> None:
    assert problems(f"{HEADER}\n{GOOD},extra\n") == {2: {("line", ProblemCode.FIELD_COUNT)}}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "roster_empty"),
        ("member_number,last_name\nM1,A\n", "roster_columns"),
        (f"{HEADER},category\n", "roster_columns"),
    ],
)
def test_a_file_without_a_usable_header_is_refused_whole(text: str, code: str) -> None:
    with pytest.raises(RosterUnreadable) as refused:
        read(text)
    assert refused.value.code == code


@given(
    st.from_regex(r"[A-Za-z0-9._%+'-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z]{1,6}", fullmatch=True)
    | st.text(max_size=30)
)
def test_a_plain_address_is_kept_as_email_validator_keeps_it(address: str) -> None:
    fast = plain_email(address)
    if fast is None:
        return  # email_validator decides
    try:
        assert fast == validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        pytest.fail(f"{address!r} accepted without email_validator, which refuses it")


def entry(number: str, **changes: object) -> RosterEntry:
    values = dict(
        zip(COLUMNS, (number, "A", "B", "", "", "active", "", "", date(1970, 1, 1), 3, 8), strict=True)
    )
    return RosterEntry(**{**values, **changes})  # type: ignore[arg-type]


def on_file(user_id: int, held: RosterEntry, *, active: bool = True) -> OnFile:
    return OnFile(user_id, held.values(), active)


def test_an_import_creates_the_new_updates_the_moved_and_leaves_the_rest() -> None:
    held = {"M1": on_file(1, entry("M1")), "M2": on_file(2, entry("M2")), "M3": on_file(3, entry("M3"))}
    changes = plan(
        [entry("M1"), entry("M2", category="retired", family_size=5), entry("M4")], held, Missing.KEEP
    )
    assert [e.member_number for e in changes.created] == ["M4"]
    assert [(u.user_id, u.moved) for u in changes.updated] == [(2, ("category", "family_size"))]
    assert changes.updated[0].describe() == "M2: category active -> retired, family_size 3 -> 5"
    assert (changes.unchanged, changes.deactivated) == (1, ())
    assert changes.summary() == "created 1, updated 1, unchanged 1, deactivated 0"


def test_members_missing_from_the_file_are_deactivated_only_when_asked() -> None:
    held = {
        "M1": on_file(1, entry("M1")),
        "M2": on_file(2, entry("M2")),
        "M3": on_file(3, entry("M3"), active=False),
    }
    assert plan([entry("M1")], held, Missing.KEEP).deactivated == ()
    # M3 left before: nothing to do for them again.
    assert plan([entry("M1")], held, Missing.DEACTIVATE).deactivated == ((2, "M2"),)


def test_a_member_back_on_the_roster_is_active_again() -> None:
    held = {"M1": on_file(1, entry("M1"), active=False)}
    (update,) = plan([entry("M1")], held, Missing.KEEP).updated
    assert update.moved == ("active",)


def test_the_same_roster_twice_changes_nothing_the_second_time() -> None:
    roster = [entry("M1"), entry("M2", email="x@example.org")]
    held = {e.member_number: on_file(i, e) for i, e in enumerate(roster)}
    assert plan(roster, held, Missing.DEACTIVATE).changes == 0
