"""The payroll department's monthly CSV: a golden file, and what a cancellation does to it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.db import create_disposable_engine, session_factory
from kernel.money import MAD, Money
from kernel.settings import Settings
from payments.reports import PayrollTotals, payroll_export, payroll_report
from tests.conftest import assert_ledger_balanced, login, paid_by_payroll
from tests.e2e.test_pages import csrf_of, page_login

GOLDEN_DECEMBER = """\
member_number,last_name,first_name,amount_mad,amount_minor,currency,booking,instalment,of
M0001,{m1_last},{m1_first},283.34,28334,MAD,<b1>,1,3
M0002,{m2_last},{m2_first},425.00,42500,MAD,<b2>,1,2
"""


async def _export(settings: Settings, month: date, *, mark: bool) -> str:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        text = await payroll_export(session, month, mark_exported=mark)
        await session.commit()
    await engine.dispose()
    return text


async def _credit(
    client: AsyncTestClient[Any], username: str, instalments: int
) -> tuple[dict[str, str], str]:
    member = await login(client, username)
    booking = await paid_by_payroll(client, member, instalments)
    return member, booking["id"]


async def test_the_december_export_matches_the_golden_file_and_can_be_fetched_again(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    m1, b1 = await _credit(client, "M0001", 3)
    m2, b2 = await _credit(client, "M0002", 2)
    names = {
        u: (await client.get("/api/me", headers=h)).json()["display_name"].split(" ", 1)
        for u, h in (("M0001", m1), ("M0002", m2))
    }
    golden = GOLDEN_DECEMBER.format(
        m1_first=names["M0001"][0],
        m1_last=names["M0001"][1],
        m2_first=names["M0002"][0],
        m2_last=names["M0002"][1],
    )
    exported = await _export(settings, date(2026, 12, 1), mark=True)
    assert exported.replace(b1, "<b1>").replace(b2, "<b2>") == golden
    assert await _export(settings, date(2026, 12, 1), mark=True) == exported
    january = await _export(settings, date(2027, 1, 1), mark=False)
    assert len(january.splitlines()) == 3


async def test_cancelling_a_credit_stay_drops_the_instalments_not_yet_deducted(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member, booking = await _credit(client, "M0001", 3)
    await _export(settings, date(2026, 12, 1), mark=True)  # one deduction taken
    cancelled = (await client.post(f"/api/bookings/{booking}/cancel", headers=member)).json()
    assert cancelled["refund"]["amount_minor"] == 85000  # well ahead: everything back
    assert (await _export(settings, date(2027, 1, 1), mark=False)).count("\n") == 1  # header only
    await assert_ledger_balanced(settings)


async def test_the_export_reports_its_totals_and_the_cli_ends_with_them(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    member, cancelled = await _credit(client, "M0001", 3)  # 850.00 MAD: 283.34 then 283.33 twice
    await _credit(client, "M0002", 2)  # 850.00 MAD: 425.00 twice
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        seen: list[tuple[int, int]] = []
        first = await payroll_report(
            session, date(2026, 12, 1), mark_exported=True, progress=lambda d, n: seen.append((d, n))
        )
        await session.commit()
        assert seen == [(1, 2), (2, 2)]
        assert first.totals == PayrollTotals(2, 2, Money(28334 + 42500, MAD), 0, 0)
        again = await payroll_report(session, date(2026, 12, 1), mark_exported=True)
        await session.commit()
        assert again.totals == PayrollTotals(2, 2, Money(28334 + 42500, MAD), 2, 0)
    await engine.dispose()
    assert (await client.post(f"/api/bookings/{cancelled}/cancel", headers=member)).status_code == 200
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env["DATABASE_URL"] = settings.database_url
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "estivage.cli", "payroll-export", "--month", "2027-01", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.splitlines()[0].startswith("member_number,")  # the pipe gets the CSV alone
    assert len(run.stdout.splitlines()) == 2  # M0002's second deduction
    assert run.stderr.splitlines()[-6:] == [
        "members: 1",
        "deductions: 1",
        "sum: 425.00 MAD",
        "already exported (listed again): 0",
        "skipped (cancelled): 1",
        "dry run: nothing marked exported",
    ]
    assert "\r" not in run.stderr  # no progress when not on a terminal


async def test_the_staff_page_shows_the_same_totals_and_exports(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _credit(client, "M0001", 3)
    await _credit(client, "M0002", 2)
    await page_login(client, "staff")
    shown = await client.get("/staff/payroll", params={"month": "2026-12"})
    assert shown.status_code == 200, shown.text
    assert re.search(r'<tr data-total="members"><th>[^<]+</th><td>2</td>', shown.text)
    assert re.search(r'<tr data-total="deductions"><th>[^<]+</th><td>2</td>', shown.text)
    assert re.search(r'<tr data-total="already-exported"><th>[^<]+</th><td>0</td>', shown.text)
    exported = await client.post(
        "/staff/payroll", data={"month": "2026-12", "_csrf_token": csrf_of(shown.text)}
    )
    assert exported.status_code == 201, exported.text
    assert exported.text == await _export(settings, date(2026, 12, 1), mark=False)
    assert (
        "members=2; deductions=2; sum_minor=70834; already_exported=0" in exported.headers["x-payroll-totals"]
    )
    again = (await client.get("/staff/payroll", params={"month": "2026-12"})).text
    assert re.search(r'<tr data-total="already-exported"><th>[^<]+</th><td>2</td>', again)
    assert (await client.get("/staff/payroll", params={"month": "2026-13"})).status_code == 422
