"""The desk: check-in from the arrival day (another unit of the type, never a taken one), check-out
(the unit to clean), no-show, a begun stay refused cancellation, a stay ended early with a refund,
the worker's no-shows after the grace, and an out-of-service unit never sold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from accounts.domain.identity import Identity
from booking.reception.services import record_due_no_shows
from inventory import housekeeping
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from tests.conftest import (
    NOW,
    Clock,
    assert_ledger_balanced,
    available,
    confirm_booking,
    hold,
    login,
    paid_by_payroll,
)
from tests.e2e.test_gate_devices import _device, _scan
from tests.e2e.test_gate_fleet import _stay

# The default stay arrives on 20 December 2026 (NOW is 23 November, 10:00 in Casablanca).
TO_ARRIVAL = {"days": 27}


async def _confirmed(client: AsyncTestClient[Any], settings: Settings, member: str = "M0001") -> Any:
    booking = (await hold(client, await login(client, member))).json()
    await confirm_booking(settings, booking["id"])
    return booking


async def test_the_desk_checks_a_stay_in_from_its_arrival_day_and_out(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    booking = await _confirmed(client, settings)
    desk = await login(client, "manager-ifrane")
    early = await client.post(f"/api/bookings/{booking['id']}/check-in", headers=desk)
    assert early.status_code == 409
    assert early.json()["code"] == "before_arrival_day"
    assert (
        await client.post(f"/api/bookings/{booking['id']}/check-in", headers=await login(client, "M0001"))
    ).status_code == 403
    elsewhere = await client.post(
        f"/api/bookings/{booking['id']}/check-in", headers=await login(client, "manager-saidia")
    )
    assert elsewhere.status_code == 404

    clock.advance(**TO_ARRIVAL)
    checked_in = await client.post(f"/api/bookings/{booking['id']}/check-in", headers=desk)
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["status"] == "checked_in"
    member = await login(client, "M0001")
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)
    assert cancelled.status_code == 409
    assert cancelled.json()["code"] == "stay_begun"
    again = await client.post(f"/api/bookings/{booking['id']}/check-in", headers=desk)
    assert again.status_code == 409

    out = await client.post(f"/api/bookings/{booking['id']}/check-out", headers=desk)
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "checked_out"
    assert (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=member)).status_code == 409


async def test_check_in_moves_to_a_free_unit_of_the_type_never_a_taken_one(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    first = await _confirmed(client, settings, "M0001")
    second = await _confirmed(client, settings, "M0002")
    clock.advance(**TO_ARRIVAL)
    desk = await login(client, "staff")
    taken = await client.post(
        f"/api/bookings/{first['id']}/check-in", headers=desk, json={"unit": second["unit"]}
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "unit_taken"
    centres = (await client.get("/api/centres")).json()
    studios = next(
        t for c in centres if c["code"] == "ifrane" for t in c["unit_types"] if t["code"] == "studio"
    )
    assert studios["units"] >= 3
    units = await client.get("/api/centres/ifrane/units", headers=desk)
    free = next(
        u["number"]
        for u in units.json()
        if u["unit_type"] == "studio" and u["number"] not in {first["unit"], second["unit"]}
    )
    moved = await client.post(f"/api/bookings/{first['id']}/check-in", headers=desk, json={"unit": free})
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit"] == free
    assert moved.json()["status"] == "checked_in"


async def test_a_stay_nobody_claims_is_a_no_show_at_the_desk_or_after_the_grace(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    at_desk = await _confirmed(client, settings, "M0001")
    by_worker = await _confirmed(client, settings, "M0002")
    clock.advance(**TO_ARRIVAL)
    desk = await login(client, "manager-ifrane")
    marked = await client.post(f"/api/bookings/{at_desk['id']}/no-show", headers=desk)
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "no_show"
    assert (await client.post(f"/api/bookings/{at_desk['id']}/no-show", headers=desk)).status_code == 409

    engine = create_disposable_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        # The default grace is one day after the arrival day: on 21 December nothing happens yet.
        async with sessions() as session:
            assert await record_due_no_shows(UnitOfWork(session), clock.now + timedelta(days=1)) == 0
        async with sessions() as session:
            assert await record_due_no_shows(UnitOfWork(session), clock.now + timedelta(days=2)) == 1
    finally:
        await engine.dispose()
    staff = await login(client, "staff")
    read = await client.get(f"/api/bookings/{by_worker['id']}", headers=staff)
    assert read.json()["status"] == "no_show"


async def checked_in_on_credit(client: AsyncTestClient[Any], clock: Clock, member: str = "M0001") -> Any:
    """A stay paid by holiday credit, checked in on its arrival day (the clock moved to 20 December)."""
    headers = await login(client, member)
    booking = await paid_by_payroll(client, headers)
    clock.advance(**TO_ARRIVAL)
    staff = await login(client, "staff")
    assert (await client.post(f"/api/bookings/{booking['id']}/check-in", headers=staff)).status_code == 200
    return booking


async def test_staff_end_a_stay_early_and_the_unused_nights_are_refunded(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    booking = await checked_in_on_credit(client, clock)
    staff = await login(client, "staff")
    clock.advance(days=2)  # 22 December: the nights of the 22nd and 23rd are unused
    by_manager = await client.post(
        f"/api/bookings/{booking['id']}/end-early",
        headers=await login(client, "manager-ifrane"),
        json={"refund": "unused_nights"},
    )
    assert by_manager.status_code == 403
    too_much = await client.post(
        f"/api/bookings/{booking['id']}/end-early",
        headers=staff,
        json={"refund": "amount", "amount": {"amount_minor": booking["price"]["total"]["amount_minor"] + 1}},
    )
    assert too_much.status_code == 422
    ended = await client.post(
        f"/api/bookings/{booking['id']}/end-early", headers=staff, json={"refund": "unused_nights"}
    )
    assert ended.status_code == 200, ended.text
    nightly = [n["amount_minor"] for n in booking["price"]["nightly"]]
    total = booking["price"]["total"]["amount_minor"]
    assert ended.json()["status"] == "checked_out"
    assert ended.json()["refund"]["amount_minor"] == total * sum(nightly[2:]) // sum(nightly)
    await assert_ledger_balanced(settings)
    audit = await client.get("/api/audit", headers=staff, params={"kind": "booking.ended_early"})
    assert audit.status_code == 200, audit.text
    assert len(audit.json()["entries"]) == 1


async def test_an_out_of_service_unit_is_never_sold(client: AsyncTestClient[Any], settings: Settings) -> None:
    member = await login(client, "M0001")
    before = await available(client, member)
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            units = await client.get("/api/centres/ifrane/units", headers=await login(client, "staff"))
            number = next(u["number"] for u in units.json() if u["unit_type"] == "studio")
            staff = Identity(user_id=0, username="staff", role="staff")
            await housekeeping.set_state(UnitOfWork(session), staff, "ifrane", number, "out_of_service", NOW)
    finally:
        await engine.dispose()
    assert await available(client, member) == before - 1


async def test_the_first_entry_at_the_gate_on_a_stay_day_checks_the_stay_in(
    client: AsyncTestClient[Any], clock: Clock
) -> None:
    stay = await _stay(client, "M0001")
    _device_id, gate = await _device(client)
    before = _scan(stay["pass_id"], "in")  # scanned on 23 November, before the stay: stored, no check-in
    assert (
        await client.post("/api/access/scans", headers=gate, json={"events": [before]})
    ).status_code == 200
    staff = await login(client, "staff")
    assert (await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json()[
        "status"
    ] == "confirmed"
    clock.advance(**TO_ARRIVAL, hours=6)  # 20 December, 16:00 in Casablanca
    on_the_day = {**_scan(stay["pass_id"], "in"), "scanned_at": "2026-12-20T15:05:00+01:00"}
    stored = await client.post("/api/access/scans", headers=gate, json={"events": [on_the_day]})
    assert stored.status_code == 200, stored.text
    assert stored.json()["accepted"] == 1, stored.text
    read = (await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json()
    assert read["status"] == "checked_in"
    assert read["checked_in_at"].startswith("2026-12-20T14:05:00")


async def test_the_desk_reads_its_arrivals_and_departures_and_sets_housekeeping(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    booking = await _confirmed(client, settings)
    desk = await login(client, "manager-ifrane")
    arrivals = await client.get("/api/centres/ifrane/arrivals", headers=desk, params={"date": "2026-12-20"})
    assert arrivals.status_code == 200, arrivals.text
    [line] = arrivals.json()
    assert (line["booking_id"], line["unit"], line["status"]) == (booking["id"], booking["unit"], "confirmed")
    assert line["member_number"] == "M0001"
    assert (line["payment"], line["payment_status"]) == (None, None)  # confirmed here without a payment row
    assert booking["unit"] not in line["free_units"]
    assert line["free_units"], "other studios are free on those nights"
    other = await client.get(
        "/api/centres/ifrane/arrivals",
        headers=await login(client, "manager-saidia"),
        params={"date": "2026-12-20"},
    )
    assert other.status_code == 403
    clock.advance(**TO_ARRIVAL)
    await client.post(f"/api/bookings/{booking['id']}/check-in", headers=desk)
    await client.post(f"/api/bookings/{booking['id']}/check-out", headers=desk)
    departures = await client.get(
        "/api/centres/ifrane/departures", headers=desk, params={"date": "2026-12-24"}
    )
    assert [(d["status"], d["housekeeping"]) for d in departures.json()] == [("checked_out", "to_clean")]
    cleaned = await client.put(
        f"/api/centres/ifrane/units/{booking['unit']}/housekeeping", headers=desk, json={"state": "clean"}
    )
    assert cleaned.status_code == 200, cleaned.text
    bad = await client.put(
        f"/api/centres/ifrane/units/{booking['unit']}/housekeeping", headers=desk, json={"state": "dusty"}
    )
    assert bad.status_code in {400, 422}


async def test_a_no_show_stays_pass_goes_on_the_gates_revocation_feed(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    at_desk = await _stay(client, "M0001")
    by_worker = await _stay(client, "M0002")
    kept = await _stay(client, "M0003")
    _device_id, gate = await _device(client)
    assert (await client.get("/api/access/revocations", headers=gate)).json()["revoked"] == []
    clock.advance(**TO_ARRIVAL)
    desk = await login(client, "manager-ifrane")
    marked = await client.post(f"/api/bookings/{at_desk['booking_id']}/no-show", headers=desk)
    assert marked.status_code == 200, marked.text
    assert (await client.get("/api/access/revocations", headers=gate)).json()["revoked"] == [
        at_desk["pass_id"]
    ]
    assert (
        await client.post(f"/api/bookings/{kept['booking_id']}/check-in", headers=desk)
    ).status_code == 200
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            # The worker's own wiring: the same handlers as the app's (estivage.bootstrap).
            worker = UnitOfWork(session, client.app.state.event_handlers)
            assert await record_due_no_shows(worker, clock.now + timedelta(days=2)) == 1
    finally:
        await engine.dispose()
    feed = (await client.get("/api/access/revocations", headers=gate)).json()["revoked"]
    assert sorted(feed) == sorted([at_desk["pass_id"], by_worker["pass_id"]])
    assert kept["pass_id"] not in feed


async def _worker_no_shows(client: AsyncTestClient[Any], settings: Settings, now: datetime) -> int:
    """The worker's round of no-shows at ``now``, with the app's own handlers (estivage.bootstrap)."""
    engine = create_disposable_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await record_due_no_shows(UnitOfWork(session, client.app.state.event_handlers), now)
    finally:
        await engine.dispose()


async def _new_pass_after_no_show(client: AsyncTestClient[Any], stay: dict[str, Any], gate: Any) -> None:
    """The stay is checked in, its old pass stays refused at the gates, a new one is out and mailed."""
    staff = await login(client, "staff")
    read = (await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json()
    assert read["status"] == "checked_in", read
    new = await client.get(f"/api/bookings/{stay['booking_id']}/pass", headers=stay["member"])
    assert new.status_code == 200, new.text
    assert new.json()["pass_id"] != stay["pass_id"]
    feed = (await client.get("/api/access/revocations", headers=gate)).json()["revoked"]
    assert stay["pass_id"] in feed
    assert new.json()["pass_id"] not in feed
    mailed = (await client.get("/api/outbox", headers=staff)).json()
    reissued = [m for m in mailed if m["kind"] == "pass_reissued"]
    assert len(reissued) == 1, mailed


async def test_a_party_that_comes_after_its_no_show_is_checked_in_at_the_desk_with_a_new_pass(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    """The worker recorded the no-show after the grace (22 December); the family arrives that day, within
    its stay (20–24 December): its nights were kept, the desk checks it in, and a new pass is mailed."""
    stay = await _stay(client, "M0001")
    _device_id, gate = await _device(client)
    clock.advance(days=TO_ARRIVAL["days"] + 2)
    assert await _worker_no_shows(client, settings, clock.now) == 1
    desk = await login(client, "manager-ifrane")
    checked = await client.post(f"/api/bookings/{stay['booking_id']}/check-in", headers=desk)
    assert checked.status_code == 200, checked.text
    await _new_pass_after_no_show(client, stay, gate)
    clock.advance(days=2)  # 24 December: the departure day, no longer a day of the stay
    late = await _stay(client, "M0002", arrival="2026-12-27", departure="2026-12-29")
    clock.advance(days=5)
    assert await _worker_no_shows(client, settings, clock.now) == 1
    refused = await client.post(f"/api/bookings/{late['booking_id']}/check-in", headers=desk)
    assert refused.status_code == 409, refused.text


async def test_a_gate_that_sends_its_scans_after_the_no_show_checks_the_party_in_with_a_new_pass(
    client: AsyncTestClient[Any], settings: Settings, clock: Clock
) -> None:
    """A gate offline since the family's entry on 20 December sends its scans on the 22nd, after the
    worker's no-show: the party the gate let in is on site, the stay is checked in at the entry."""
    stay = await _stay(client, "M0001")
    _device_id, gate = await _device(client)
    clock.advance(days=TO_ARRIVAL["days"] + 2)
    assert await _worker_no_shows(client, settings, clock.now) == 1
    entered = {**_scan(stay["pass_id"], "in"), "scanned_at": "2026-12-20T15:05:00+01:00"}
    stored = await client.post("/api/access/scans", headers=gate, json={"events": [entered]})
    assert stored.status_code == 200, stored.text
    staff = await login(client, "staff")
    read = (await client.get(f"/api/bookings/{stay['booking_id']}", headers=staff)).json()
    assert read["checked_in_at"].startswith("2026-12-20T14:05:00"), read
    await _new_pass_after_no_show(client, stay, gate)
