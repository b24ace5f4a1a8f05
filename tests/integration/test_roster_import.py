"""Importing the roster on SQLite and PostgreSQL: a good file loads members with no password, a bad file
changes nothing and names every bad line, a dry run changes nothing, the same file twice changes nothing
the second time, members missing from the file are deactivated only when asked (and then cannot log
in or book, their stays kept), and a new category reaches new bookings, not paid ones."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from accounts.domain.audit import SYSTEM
from accounts.domain.roster import COLUMNS, Missing
from accounts.roster import Mode, RosterImport, RosterOutcome, import_roster
from estivage.roster_import import known_categories, roster_lines
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from tests.conftest import NOW, PASSWORD, confirm_booking, hold, login
from tests.e2e.test_campaigns import BUNGALOW, apply, open_campaign

NEW = {
    "member_number": "R00001",
    "last_name": "El Fassi",
    "first_name": "Khadija",
    "last_name_ar": "الفاسي",
    "first_name_ar": "خديجة",
    "category": "retired",
    "email": "Khadija.ElFassi@Example.MA",
    "phone": "06 61 23 45 67",
    "birth_date": "1958-07-14",
    "family_size": "3",
    "salary_scale": "8",
}


def roster(*rows: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [*COLUMNS, "payroll_grade"], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "payroll_grade": "B"})
    return "\ufeff" + out.getvalue()


async def rows(settings: Settings, sql: str, **params: Any) -> list[Any]:
    engine = create_disposable_engine(settings.database_url)
    async with engine.connect() as connection:
        found = list((await connection.execute(text(sql), params)).all())
    await engine.dispose()
    return found


async def member_row(settings: Settings, number: str) -> dict[str, Any]:
    (row,) = await rows(
        settings,
        "SELECT m.*, u.active, u.password_hash, u.display_name FROM members m"
        " JOIN users u ON u.id = m.user_id WHERE m.member_number = :n",
        n=number,
    )
    return dict(row._mapping)


async def demo_member(settings: Settings, number: str) -> dict[str, str]:
    """A demo member as a roster line (their birth date and the rest as on file)."""
    row = await member_row(settings, number)
    return {name: str(row[name] if row[name] is not None else "") for name in COLUMNS}


async def run(
    settings: Settings,
    tmp_path: Path,
    content: str | bytes,
    missing: Missing = Missing.KEEP,
    mode: Mode = Mode.APPLY,
) -> RosterOutcome:
    path = tmp_path / f"roster-{uuid.uuid4().hex[:6]}.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            categories = await known_categories(session)
            with roster_lines(path) as lines:
                asked = RosterImport(path.name, lines, categories, missing, mode)
                return await import_roster(UnitOfWork(session), asked, SYSTEM, NOW)
    finally:
        await engine.dispose()


async def snapshot(settings: Settings) -> list[Any]:
    return await rows(
        settings,
        "SELECT m.*, u.active, u.display_name FROM members m JOIN users u ON u.id = m.user_id"
        " ORDER BY m.member_number",
    )


async def test_a_good_file_creates_and_updates_members_with_arabic_names_and_no_password(
    client: AsyncTestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    changed = {**await demo_member(settings, "M0002"), "family_size": "7", "salary_scale": "3"}
    same = await demo_member(settings, "M0003")
    outcome = await run(settings, tmp_path, roster(NEW, changed, same))
    assert outcome.applied
    assert outcome.plan is not None
    assert outcome.plan.summary() == "created 1, updated 1, unchanged 1, deactivated 0"

    new = await member_row(settings, "R00001")
    assert (new["last_name_ar"], new["first_name_ar"], new["last_name"]) == ("الفاسي", "خديجة", "El Fassi")
    assert (new["category"], new["email"], new["phone"]) == (
        "retired",
        "Khadija.ElFassi@example.ma",
        "0661234567",
    )
    assert (str(new["birth_date"]), new["family_size"], new["salary_scale"]) == ("1958-07-14", 3, 8)
    assert (new["active"], new["password_hash"], new["display_name"]) == (True, "", "Khadija El Fassi")
    assert (await member_row(settings, "M0002"))["family_size"] == 7
    # No password until they activate: neither an empty one nor anything else logs them in.
    for password in ("", PASSWORD, "not-a-password"):
        refused = await client.post("/api/auth/token", json={"username": "R00001", "password": password})
        assert refused.status_code == 401
    # The summer score reads what the roster says (booking.campaigns.draw reads these columns).
    (audit,) = await rows(settings, "SELECT kind, after FROM audit_log WHERE kind = 'roster.imported'")
    assert audit.kind == "roster.imported"


async def test_a_bad_file_changes_nothing_and_every_bad_line_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    before = await snapshot(settings)
    good = await demo_member(settings, "M0004")
    content = roster(
        {**good, "category": "retired"},  # line 2: fine, but not applied
        {**NEW, "category": "director"},  # line 3
        {**NEW, "member_number": "R00002", "birth_date": "14/07/1958"},  # line 4
        {**NEW, "member_number": "M0004"},  # line 5: a duplicate of line 2
        {**NEW, "member_number": "R00003", "email": "khadija@"},  # line 6
        {**NEW, "member_number": "R00004", "last_name": ""},  # line 7
        {**NEW, "member_number": "staff"},  # line 8: a staff account's name
    ).encode() + "R00005,Ben\xe9,S,,,active,,,1990-01-01,1,1\r\n".encode("latin-1")  # line 9
    outcome = await run(settings, tmp_path, content, Missing.DEACTIVATE)
    assert not outcome.applied
    assert outcome.plan is None
    assert [(b.line, [p.code.value for p in b.problems]) for b in outcome.bad_lines] == [
        (3, ["unknown_category"]),
        (4, ["bad_date"]),
        (5, ["duplicate"]),
        (6, ["bad_email"]),
        (7, ["missing"]),
        (8, ["not_a_member_account"]),
        (9, ["bad_encoding"]),
    ]
    assert await snapshot(settings) == before


async def test_a_dry_run_says_what_would_change_and_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    before = await snapshot(settings)
    moved = {**await demo_member(settings, "M0005"), "category": "active"}
    outcome = await run(settings, tmp_path, roster(NEW, moved), Missing.DEACTIVATE, Mode.DRY_RUN)
    assert not outcome.applied
    assert outcome.plan is not None
    assert outcome.plan.summary() == "created 1, updated 1, unchanged 0, deactivated 499"
    assert outcome.plan.updated[0].describe() == "M0005: category retired -> active"
    assert await snapshot(settings) == before


# Listed with a phone only (a code goes by SMS), and with neither (no code can reach them).
PHONE_ONLY = {**NEW, "member_number": "R00002", "email": ""}
NO_CONTACT = {**NEW, "member_number": "R00003", "first_name": "Said", "email": "", "phone": ""}


async def test_the_dry_run_and_the_import_count_the_members_no_code_can_reach(
    settings: Settings, tmp_path: Path
) -> None:
    content = roster(NEW, PHONE_ONLY, NO_CONTACT)
    for mode in (Mode.DRY_RUN, Mode.APPLY):
        outcome = await run(settings, tmp_path, content, mode=mode)
        assert outcome.plan is not None
        assert [e.member_number for e in outcome.plan.unreachable] == ["R00003"]
    assert outcome.applied
    # Once on file, the same file again changes nothing and still counts them.
    again = await run(settings, tmp_path, content)
    assert again.plan is not None
    assert (again.plan.changes, len(again.plan.unreachable)) == (0, 1)


async def test_the_same_file_twice_changes_nothing_the_second_time(
    settings: Settings, tmp_path: Path
) -> None:
    content = roster(NEW, {**await demo_member(settings, "M0006"), "email": "", "phone": ""})
    first = await run(settings, tmp_path, content, Missing.DEACTIVATE)
    assert first.plan is not None
    assert first.plan.changes == 1 + 1 + 499
    after_first = await snapshot(settings)
    second = await run(settings, tmp_path, content, Missing.DEACTIVATE)
    assert second.plan is not None
    assert second.plan.summary() == "created 0, updated 0, unchanged 2, deactivated 0"
    assert not second.applied
    assert await snapshot(settings) == after_first


async def test_members_missing_from_the_file_are_deactivated_only_when_asked(
    client: AsyncTestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    m7 = await login(client, "M0007")
    held = await hold(client, m7)
    assert held.status_code == 201, held.text
    await confirm_booking(settings, held.json()["id"])
    content = roster(await demo_member(settings, "M0008"))

    kept = await run(settings, tmp_path, content)
    assert kept.plan is not None
    assert kept.plan.deactivated == ()
    assert (await member_row(settings, "M0007"))["active"]

    gone = await run(settings, tmp_path, content, Missing.DEACTIVATE)
    assert gone.plan is not None
    assert len(gone.plan.deactivated) == 499
    assert not (await member_row(settings, "M0007"))["active"]
    # Their stay stays; they can no longer log in, nor book with a token they still hold.
    (status,) = await rows(
        settings,
        "SELECT b.status FROM bookings b JOIN members m ON m.user_id = b.member_id"
        " WHERE m.member_number = 'M0007'",
    )
    assert status[0] == "confirmed"
    refused = await client.post("/api/auth/token", json={"username": "M0007", "password": PASSWORD})
    assert refused.status_code == 401
    booking = await hold(client, m7)
    assert booking.status_code == 403
    assert booking.json()["code"] == "membership_inactive"
    # Listed again, they are back.
    back = await run(settings, tmp_path, roster(await demo_member(settings, "M0007")))
    assert back.plan is not None
    assert back.plan.updated[0].moved == ("active",)
    assert (
        await client.post("/api/auth/token", json={"username": "M0007", "password": PASSWORD})
    ).status_code == 200


async def test_a_new_category_reaches_new_bookings_and_not_paid_ones(
    client: AsyncTestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    m9 = await login(client, "M0009")  # active
    paid = await hold(client, m9)
    assert paid.status_code == 201, paid.text
    await confirm_booking(settings, paid.json()["id"])
    retired = {**await demo_member(settings, "M0009"), "category": "retired"}
    outcome = await run(settings, tmp_path, roster(retired))
    assert outcome.plan is not None
    assert len(outcome.plan.updated) == 1

    again = await client.get(f"/api/bookings/{paid.json()['id']}", headers=m9)
    assert again.json()["price"] == paid.json()["price"]
    assert again.json()["status"] == "confirmed"
    (category,) = await rows(settings, "SELECT category FROM bookings")
    assert category[0] == "active"
    new = await hold(client, m9)  # the same nights, now at the retired tariff
    assert new.status_code == 201, new.text
    assert new.json()["price"]["subtotal"]["amount_minor"] < paid.json()["price"]["subtotal"]["amount_minor"]
    categories = {c for (c,) in await rows(settings, "SELECT category FROM bookings")}
    assert categories == {"active", "retired"}


def _estivage(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "estivage.cli", "members", "import", *args],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "ESTIVAGE_DATA_DIR": str(settings.data_dir),
        },
        check=False,
    )


# The command's words and exit codes do not depend on the database (the import itself runs on both, above):
# once, on PostgreSQL, to keep the suite's time.
@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_command_says_what_it_did_and_exits_as_the_contract_says(
    settings: Settings, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(roster(NEW), encoding="utf-8", newline="")
    dry = _estivage(settings, str(good), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == "created 1, updated 0, unchanged 0, deactivated 0"
    assert "new: R00001 Khadija El Fassi (retired)" in dry.stdout
    assert "dry run: nothing was changed" in dry.stdout
    assert dry.stderr == ""  # no progress bar when stderr is not a terminal

    applied = _estivage(settings, str(good))
    assert (applied.returncode, applied.stdout) == (0, "created 1, updated 0, unchanged 0, deactivated 0\n")

    unreachable = tmp_path / "unreachable.csv"
    unreachable.write_text(roster(NEW, PHONE_ONLY, NO_CONTACT), encoding="utf-8", newline="")
    told = _estivage(settings, str(unreachable), "--dry-run")
    assert told.returncode == 0, told.stderr
    assert told.stdout.splitlines()[:2] == [
        "created 2, updated 0, unchanged 1, deactivated 0",
        "1 listed member(s) with no e-mail and no phone: no activation code can reach them",
    ]
    assert "no e-mail, no phone: R00003 Said El Fassi" in told.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text(roster({**NEW, "family_size": "many"}, {**NEW, "category": "x"}), encoding="utf-8")
    refused = _estivage(settings, str(bad))
    assert refused.returncode == 1
    assert refused.stdout.splitlines() == [
        "line 2: family_size 'many' is not a whole number",
        "line 3: member_number R00001 is already on line 2; category 'x' is not a category (active, retired)",
    ]
    assert "nothing was changed" in refused.stderr

    assert _estivage(settings, str(tmp_path / "missing.csv")).returncode == 2
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("member_number,name\nR1,x\n", encoding="utf-8")
    unusable = _estivage(settings, str(headerless))
    assert unusable.returncode == 2
    assert "lacks the column(s) last_name" in unusable.stderr


async def test_a_member_off_the_roster_cannot_apply_for_the_summer(
    client: AsyncTestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    await open_campaign(client, await login(client, "staff"))
    m10 = await login(client, "M0010")
    await run(settings, tmp_path, roster(await demo_member(settings, "M0011")), Missing.DEACTIVATE)
    refused = await apply(client, m10, BUNGALOW)
    # Off the roster, the account is disabled: its sessions end at the very next request (issue 16.3).
    assert refused.status_code == 401
    assert (await apply(client, await login(client, "M0011"), BUNGALOW)).status_code in {200, 201}
