"""The summer draw on the database: quotas and determinism, the command line with its progress, declines,
and the worker's lapse job."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import Engine, event, select

from accounts.models import Member
from booking.campaigns import offers, settle
from booking.campaigns.draw import applicant_of
from booking.domain.allocation import ScoreWeights, score
from booking.domain.allocation.publication import inputs_from_json, run_draw
from estivage.app import create_app
from estivage.cli import cli
from estivage.worker import run_once
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from tests.conftest import Clock, login, pay_by_payroll
from tests.e2e.test_campaigns import APT, BUNGALOW, CODE, Client, apply, drawn, open_campaign


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Thirty members log in from one test client: more than the per-address login limit allows."""
    return dataclasses.replace(settings, login_attempts_per_minute=10_000)


STUDIO = {"centre": "ifrane", "rotation": "r1", "unit_type": "studio"}  # 12 units, 2 persons


async def _applications(client: Client, count: int) -> dict[str, dict[str, str]]:
    """`count` members (every fifth retired) ask for the r1 bungalow, then the r1 studio, then r2."""
    members = {}
    for number in range(1, count + 1):
        name = f"M{number:04d}"
        members[name] = await login(client, name)
        response = await apply(client, members[name], BUNGALOW, STUDIO, APT, party=2)
        assert response.status_code == 201, response.text
    return members


async def _own(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/campaigns/{CODE}/application", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_quotas_hold_and_the_database_draw_is_the_published_rule(client: Client, clock: Clock) -> None:
    staff = await login(client, "staff")
    campaign = await open_campaign(client, staff, reserved_percent={"retired": 34})
    members = await _applications(client, 30)
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    assert (await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)).status_code == 200

    results = {name: await _own(client, headers) for name, headers in members.items()}
    offers = {r["public_id"]: r["offer"] for r in results.values() if r["result"] == "offer"}
    units = {(s["centre"], s["rotation"], s["unit_type"]): s for s in campaign["slots"]}
    taken = Counter((o["centre"], o["rotation"], o["unit_type"]) for o in offers.values())
    for slot, count in taken.items():
        assert count <= units[slot]["units"], slot
    # 3 bungalows (1 reserved), 12 studios (4 reserved): six retired applicants, all served.
    assert taken[("ifrane", "r1", "bungalow")] == 3
    assert taken[("ifrane", "r1", "studio")] == 12
    retired = {name for name in members if int(name[1:]) % 5 == 0}
    assert all(results[name]["result"] == "offer" for name in retired)
    assert len(offers) == 30  # the r2 apartments take the rest

    # The database's draw is the published rule re-run on the published inputs.
    inputs = inputs_from_json((await client.get(f"/api/campaigns/{CODE}/inputs.json")).text)
    rerun = run_draw(inputs).result
    assert {key: [o.slot.centre, o.slot.rotation, o.slot.unit_type] for key, o in rerun.offers.items()} == {
        key: [o["centre"], o["rotation"], o["unit_type"]] for key, o in offers.items()
    }
    assert [results[name]["public_id"] for name in sorted(results, key=lambda n: results[n]["position"])] == (
        list(rerun.order)
    )


async def test_scores_come_from_the_member_record(client: Client, clock: Clock, settings: Settings) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff, weights={"points_if_retired": 40, "points_per_family_member": 5})
    members = await _applications(client, 5)
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        records = {m.member_number: m for m in await session.scalars(select(Member))}
    await engine.dispose()
    weights = ScoreWeights(points_if_retired=40, points_per_family_member=5)
    for name, headers in members.items():
        mine = await _own(client, headers)
        assert mine["score"] == score(applicant_of(records[name]), weights, 2027), name
        assert mine["category"] == records[name].category
        assert mine["result"] is None  # not drawn yet


async def test_a_declined_offer_goes_to_the_next_in_line(client: Client, clock: Clock) -> None:
    members = await drawn(client, clock, ["M0001", "M0002", "M0003", "M0004"])
    staff = members.pop("staff")
    results = {name: await _own(client, headers) for name, headers in members.items()}
    waiting = next(name for name, r in results.items() if r["result"] == "waiting")
    decliner = next(name for name, r in results.items() if r["result"] == "offer")
    booking_id = results[decliner]["offer"]["booking_id"]

    assert (
        await client.post(f"/api/campaigns/{CODE}/application/decline", headers=members[waiting])
    ).status_code == 404
    clock.advance(hours=1)
    declined = await client.post(f"/api/campaigns/{CODE}/application/decline", headers=members[decliner])
    assert declined.status_code == 200, declined.text
    assert declined.json()["result"] == "declined"
    booking = await client.get(f"/api/bookings/{booking_id}", headers=members[decliner])
    assert booking.json()["status"] == "cancelled"
    now_offered = await _own(client, members[waiting])
    assert (now_offered["result"], now_offered["offer"]["status"]) == ("offer", "offered")
    assert now_offered["offer"]["payment_deadline"].startswith(
        (clock.now + timedelta(hours=48)).isoformat()[:19]
    )
    audit = (
        await client.get(f"/api/campaigns/{CODE}/audit", params={"event": "declined"}, headers=staff)
    ).json()
    assert [(e["application"], e["actor"]) for e in audit] == [(results[decliner]["public_id"], decliner)]


async def test_the_worker_lapses_unpaid_offers(client: Client, clock: Clock, settings: Settings) -> None:
    members = await drawn(client, clock, ["M0001", "M0002", "M0003", "M0004", "M0006"])
    del members["staff"]

    engine = create_disposable_engine(settings.database_url)
    sessions = session_factory(engine)
    early = await run_once(sessions, clock.now + timedelta(hours=47))
    late = await run_once(sessions, clock.now + timedelta(hours=49))
    await engine.dispose()
    job = "summer offers settled (paid, lapsed, re-offered)"
    assert early[job] == 0
    assert late[job] == 5  # three lapsed, two waiting applicants offered
    results = Counter([(await _own(client, headers))["result"] for headers in members.values()])
    assert results == {"lapsed": 3, "offer": 2}


def test_the_draw_runs_from_the_command_line_with_its_progress(settings: Settings, clock: Clock) -> None:
    async def prepare() -> None:
        async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
            staff = await login(client, "staff")
            await open_campaign(client, staff)
            await _applications(client, 8)
            clock.advance(days=8)
            closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
            assert closed.status_code == 200, closed.text

    asyncio.run(prepare())
    env = {**os.environ, "DATABASE_URL": settings.database_url, "ESTIVAGE_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-m", "estivage.cli", "allocation", "draw", "--campaign", CODE, "--progress"]
    drawn = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.startswith(f"{CODE} drawn: 8 applications, 8 offers, 0 waiting")
    assert "offers" in drawn.stderr
    assert "100%" in drawn.stderr
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 1
    assert "already_drawn" in again.stderr


def test_close_and_draw_show_their_progress_and_reach_100_percent_once_committed(
    settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The commands read the real clock: the campaign's deadline has just passed in real time.
    clock.now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)

    async def prepare() -> None:
        async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
            staff = await login(client, "staff")
            deadline = clock.now + timedelta(days=1)
            await open_campaign(client, staff, applications_close_at=deadline.isoformat())
            await _applications(client, 8)

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ESTIVAGE_DATA_DIR", str(settings.data_dir))

    def committed(_connection: Any) -> None:  # printed on the same stderr, in order with the progress
        click.echo("-- committed", err=True)

    event.listen(Engine, "commit", committed)
    try:
        runner = CliRunner()
        closed = runner.invoke(cli, ["allocation", "close", "--campaign", CODE, "--progress"])
        drawn = runner.invoke(cli, ["allocation", "draw", "--campaign", CODE, "--progress"])
    finally:
        event.remove(Engine, "commit", committed)
    assert closed.exit_code == 0, closed.output
    assert closed.stdout.startswith(f"{CODE} closed; seed commitment ")
    assert drawn.exit_code == 0, drawn.output
    for result, stages in ((closed, ("scores", "stored")), (drawn, ("results", "offers"))):
        lines = result.stderr.splitlines()
        for stage in stages:
            assert any(line.startswith(stage) and line.endswith("(100%)") for line in lines), result.stderr
        # The last stage shows 100% only once its rows are committed, and never before.
        last = [i for i, line in enumerate(lines) if line.startswith(stages[-1]) and "(100%)" in line]
        assert len(last) == 1, result.stderr
        assert "-- committed" in lines[: last[0]], result.stderr


async def test_re_offers_end_at_the_arrival_and_none_is_made_once_the_rotation_began(
    client: Client, clock: Clock
) -> None:
    members = await drawn(client, clock, [f"M{n:04d}" for n in range(1, 8)])
    staff = members.pop("staff")
    results = {name: await _own(client, headers) for name, headers in members.items()}
    last = max(results, key=lambda name: results[name]["position"])
    arrival = datetime(2027, 7, 1, 14, 0, tzinfo=ZoneInfo("Africa/Casablanca"))

    # The day before the arrival the three offers have lapsed: their units go to the next three, whose
    # payment deadline is the arrival, not 48 hours later.
    clock.now = arrival - timedelta(hours=26)
    first = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert first.json() == {"paid": 0, "lapsed": 3, "declined": 0, "cancelled": 0, "offered": 3}
    reoffered = [
        r["offer"] for r in [await _own(client, h) for h in members.values()] if r["result"] == "offer"
    ]
    assert len(reoffered) == 3
    assert all(datetime.fromisoformat(offer["payment_deadline"]) == arrival for offer in reoffered)

    # Once the rotation has begun nobody is offered its nights: the last applicant keeps waiting.
    clock.now = arrival + timedelta(hours=4)
    second = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert second.json() == {"paid": 0, "lapsed": 3, "declined": 0, "cancelled": 0, "offered": 0}
    assert (await _own(client, members[last]))["result"] == "waiting"
    audit = (
        await client.get(f"/api/campaigns/{CODE}/audit", params={"event": "not_offered"}, headers=staff)
    ).json()
    # The last applicant is next in line for one unit, too late; nobody waits for the other two.
    assert sorted((e["detail"]["reason"], e["application"] or "") for e in audit) == [
        ("nobody_waiting", ""),
        ("nobody_waiting", ""),
        ("rotation_begun", results[last]["public_id"]),
    ]


async def test_the_worker_and_the_staff_settling_at_once_lapse_and_re_offer_each_unit_once(
    client: Client, clock: Clock, settings: Settings
) -> None:
    members = await drawn(client, clock, [f"M{n:04d}" for n in range(1, 6)])
    staff = members.pop("staff")
    late = clock.now + timedelta(hours=49)
    engines = [create_disposable_engine(settings.database_url) for _ in range(2)]

    async def settle_with(engine: Any, code: str | None) -> offers.Settled:
        async with session_factory(engine)() as session:
            if code is None:  # the worker: every drawn campaign, each committed in its turn
                return await settle.settle_all(UnitOfWork(session), late)
            return await settle.settle(UnitOfWork(session), late, code)  # the staff: one campaign

    try:
        runs = await asyncio.gather(
            *(settle_with(e, code) for e, code in zip(engines, (None, CODE), strict=True))
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted((run.lapsed, run.offered) for run in runs) == [(0, 0), (3, 2)]
    clock.now = late
    results = Counter([(await _own(client, headers))["result"] for headers in members.values()])
    assert results == {"lapsed": 3, "offer": 2}
    audit = (await client.get(f"/api/campaigns/{CODE}/audit", headers=staff)).json()
    assert Counter(e["event"] for e in audit if e["event"] in {"lapsed", "offered"}) == {
        "lapsed": 3,
        "offered": 5,
    }


async def test_money_that_arrives_after_a_lapse_while_the_unit_is_free_makes_the_offer_paid(
    client: Client, clock: Clock
) -> None:
    who = await drawn(client, clock, ["M0001"])
    staff, member = who["staff"], who["M0001"]
    offer = (await _own(client, member))["offer"]
    checkout = await client.post(
        f"/api/bookings/{offer['booking_id']}/checkout", json={"method": "card"}, headers=member
    )
    assert checkout.status_code == 200, checkout.text
    # The card payment is slow: the deadline passes and the offer lapses (nobody waits for the unit).
    clock.advance(hours=49)
    lapsed = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert lapsed.json() == {"paid": 0, "lapsed": 1, "declined": 0, "cancelled": 0, "offered": 0}
    assert (await _own(client, member))["result"] == "lapsed"
    # Then the money arrives: the unit is still free, so the stay is confirmed, and the offer is paid.
    confirm = await client.post(
        checkout.json()["redirect_url"].split("?")[0] + "/confirm", headers=member, follow_redirects=False
    )
    assert confirm.status_code == 303
    booking = await client.get(f"/api/bookings/{offer['booking_id']}", headers=member)
    assert booking.json()["status"] == "confirmed"
    settled = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert settled.json() == {"paid": 1, "lapsed": 0, "declined": 0, "cancelled": 0, "offered": 0}
    mine = await _own(client, member)
    assert (mine["result"], mine["offer"]["status"]) == ("offer", "paid")
    audit = (await client.get(f"/api/campaigns/{CODE}/audit", params={"event": "paid"}, headers=staff)).json()
    assert [e["detail"].get("late") for e in audit] == [True]


async def _summer_2028_campaign(client: Client, staff: dict[str, str]) -> str:
    """A second summer (one rotation, the Ifrane bungalows priced) and its campaign, open like the first."""
    season = {
        "code": "summer-2028",
        "name_fr": "Été 2028",
        "kind": "summer",
        "starts_on": "2028-07-01",
        "ends_on": "2028-09-01",
        "rotations": [{"code": "r1", "starts_on": "2028-07-01", "ends_on": "2028-07-11"}],
    }
    assert (await client.post("/api/seasons", json=season, headers=staff)).status_code == 201
    for category in ("active", "retired"):
        tariff = {"season": "summer-2028", "centre": "ifrane", "unit_type": "bungalow", "category": category,
                  "nightly": {"amount_minor": 40_000}}  # fmt: skip
        assert (await client.put("/api/tariffs", json=tariff, headers=staff)).status_code == 200
    await open_campaign(client, staff, season="summer-2028", reserved_percent={})
    return "summer-2028"


async def test_a_settle_round_never_locks_a_member_after_a_unit_type_in_one_transaction(
    client: Client, clock: Clock, settings: Settings
) -> None:
    # Holds lock the member's row, then the unit type (booking.locks): a transaction that locks a unit
    # type and then a member row could deadlock with one on PostgreSQL.
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    second = await _summer_2028_campaign(client, staff)
    for number in range(1, 5):  # three bungalows in 2027: three offers that will lapse, one re-offer
        assert (await apply(client, await login(client, f"M{number:04d}"), BUNGALOW)).status_code == 201
    payer = await login(client, "M0006")
    choice = {"choices": [BUNGALOW], "party_size": 4}
    assert (
        await client.put(f"/api/campaigns/{second}/application", json=choice, headers=payer)
    ).status_code == 201
    clock.advance(days=8)
    for code in (CODE, second):
        assert (await client.post(f"/api/campaigns/{code}/close", headers=staff)).status_code == 200
        assert (await client.post(f"/api/campaigns/{code}/draw", headers=staff)).status_code == 200
    offer = (await _own_in(client, second, payer))["offer"]
    await pay_by_payroll(client, payer, offer["booking_id"])

    engine = create_disposable_engine(settings.database_url)
    transactions: list[list[str]] = [[]]
    event.listen(engine.sync_engine, "before_cursor_execute", _recorded(transactions))
    event.listen(engine.sync_engine, "commit", lambda _connection: transactions.append([]))
    try:
        async with session_factory(engine)() as session:
            done = await settle.settle_all(UnitOfWork(session), clock.now + timedelta(hours=49))
    finally:
        await engine.dispose()
    assert (done.lapsed, done.offered, done.paid) == (3, 1, 1)
    locks = transactions
    assert any("unit_type" in t for t in locks)  # the round locked both kinds of rows
    assert any("member" in t for t in locks)
    for transaction in locks:
        if "unit_type" in transaction:
            assert "member" not in transaction[transaction.index("unit_type") :], locks


_LOCKS = {"update members": "member", "update unit_types": "unit_type"}


def _recorded(transactions: list[list[str]]) -> Any:
    """A listener that notes, per transaction, the statements that lock a member or a unit type."""

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = " ".join(statement.split()).lower()
        transactions[-1] += [lock for prefix, lock in _LOCKS.items() if text.startswith(prefix)]

    return record


async def _own_in(client: Client, code: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/campaigns/{code}/application", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())
