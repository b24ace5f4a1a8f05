"""Paying through CMI against the CMI-protocol simulator (tests/support/cmi_simulator.py), on both
databases: the app is served on loopback so that the simulator can call it back, and the member's
browser is played by an HTTP client posting the forms the pages hold (tests/browser has Chromium).

Done when (issue 20): a tampered amount or hash changes nothing; a duplicate callback confirms once; a
callback for a lapsed hold is handled as Stripe's late money is; the browser's return confirms nothing;
a refund is owed until staff record it, and `estivage reconcile` compares CMI's export with it all.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from litestar import Litestar
from sqlalchemy import func, select

from estivage import cli
from estivage.app import create_app
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from payments.domain.cmi import verify_hash
from payments.domain.cmi_reconcile import parse_export, taken_by_order
from payments.models import Payment
from tests.conftest import PASSWORD, STAY, Clock, assert_ledger_balanced
from tests.integration.test_cmi_simulator import read_form
from tests.support.cmi_simulator import APPROVING_CARDS, DECLINING_CARD, CmiSimulator, cmi_simulator
from tests.support.live import live_server

CLIENT_ID, STORE_KEY = "600000001", "TEST1234"
VISA = next(iter(APPROVING_CARDS))


@pytest.fixture
def simulator() -> Iterator[CmiSimulator]:
    with cmi_simulator(CLIENT_ID, STORE_KEY) as running:
        yield running


@pytest.fixture
def cmi_settings(settings: Settings, simulator: CmiSimulator) -> Settings:
    return dataclasses.replace(
        settings,
        payments=("cmi",),
        cmi_client_id=CLIENT_ID,
        cmi_store_key=STORE_KEY,
        cmi_gateway_url=simulator.gateway_url,
    )


@pytest.fixture
async def api(cmi_settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(cmi_settings, clock=clock)
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield client


async def _member(api: httpx.AsyncClient, username: str = "M0001") -> dict[str, str]:
    token = await api.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _held(api: httpx.AsyncClient, member: dict[str, str], **stay: Any) -> Any:
    held = await api.post("/api/bookings", json={**STAY, **stay}, headers=member)
    assert held.status_code == 201, held.text
    return held.json()


async def _checkout(api: httpx.AsyncClient, member: dict[str, str], booking_id: str, **headers: str) -> Any:
    checkout = await api.post(
        f"/api/bookings/{booking_id}/checkout", json={"method": "cmi"}, headers={**member, **headers}
    )
    assert checkout.status_code == 200, checkout.text
    return checkout.json()


async def _a_hold_to_pay(api: httpx.AsyncClient) -> tuple[dict[str, str], Any, dict[str, Any]]:
    """M0001's hold and its CMI checkout form: (member, booking, form)."""
    member = await _member(api)
    booking = await _held(api, member)
    return member, booking, (await _checkout(api, member, booking["id"]))["form"]


def _pay_at_cmi(simulator: CmiSimulator, form: dict[str, Any], card: str = VISA) -> dict[str, str]:
    """What the member's browser does at CMI: post our signed form, type a card; the simulator calls our
    callback before it answers. Returns the form CMI's page posts back to okUrl or failUrl."""
    with httpx.Client(timeout=30) as browser:
        page = browser.post(form["action"], data=form["fields"])
        assert page.status_code == 200, page.text
        card_page = read_form(page.text)
        paid = browser.post(f"{simulator.url}{card_page.action}", data={"pan": card, "cvv": "000"})
    back = read_form(paid.text)
    return {"action": back.action, **back.fields}


async def _status(api: httpx.AsyncClient, member: dict[str, str], booking_id: str) -> str:
    return str((await api.get(f"/api/bookings/{booking_id}", headers=member)).json()["status"])


async def _payments(settings: Settings) -> list[tuple[str, str, int]]:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = [(p.provider, p.status, p.amount_minor) for p in await session.scalars(select(Payment))]
    await engine.dispose()
    return rows


async def test_the_checkout_gives_the_form_cmi_expects_signed_with_our_store_key(
    api: httpx.AsyncClient, simulator: CmiSimulator
) -> None:
    member = await _member(api)
    booking = await _held(api, member)
    checkout = await _checkout(api, member, booking["id"], **{"Accept-Language": "ar"})
    form, fields = checkout["form"], checkout["form"]["fields"]
    assert (checkout["provider"], checkout["status"], form["action"]) == (
        "cmi",
        "pending",
        simulator.gateway_url,
    )
    verify_hash(fields, STORE_KEY)
    base = str(api.base_url).rstrip("/")
    assert fields["amount"] == "850.00"  # 1,000 MAD less the demo's winter 15%
    assert (fields["currency"], fields["lang"], fields["TranType"]) == ("504", "ar", "PreAuth")
    assert fields["callbackUrl"] == f"{base}/api/payments/cmi/callback"
    assert (fields["okUrl"], fields["failUrl"]) == (f"{base}/payments/cmi/ok", f"{base}/payments/cmi/fail")
    assert fields["email"] == "m0001@members.estivage.example"
    again = await _checkout(api, member, booking["id"])
    assert again["form"]["fields"]["oid"] == fields["oid"]  # the same order while it waits
    assert again["form"]["fields"]["rnd"] != fields["rnd"]


async def test_a_member_pays_through_cmi_and_a_duplicate_callback_confirms_and_captures_once(
    api: httpx.AsyncClient, simulator: CmiSimulator, cmi_settings: Settings
) -> None:
    member, booking, form = await _a_hold_to_pay(api)
    oid = form["fields"]["oid"]
    back = _pay_at_cmi(simulator, form)
    assert back["action"].endswith("/payments/cmi/ok")
    assert simulator.answers_for(oid) == ["ACTION=POSTAUTH"]
    assert await _status(api, member, booking["id"]) == "confirmed"
    assert simulator.replay_callback(oid).body == "ACTION=POSTAUTH"
    assert simulator.replay_callback(oid).body == "ACTION=POSTAUTH"
    assert await _payments(cmi_settings) == [("cmi", "succeeded", 85_000)]
    rows = parse_export(simulator.export_csv())
    assert [row.kind for row in rows] == ["PreAuth", "PostAuth"]
    assert taken_by_order(rows)[oid].amount_minor == 85_000
    # The browser comes back with a cross-site POST: no session, no CSRF token; only a redirect.
    returned = await api.post("/payments/cmi/ok", data=back, follow_redirects=False)
    assert (returned.status_code, returned.headers["location"]) == (303, f"/payments/cmi/{oid}")
    shown = await api.get(f"/payments/cmi/{oid}", headers=member)
    assert 'data-status="succeeded"' in shown.text
    await assert_ledger_balanced(cmi_settings)


async def test_a_tampered_amount_or_hash_or_a_forged_return_changes_nothing(
    api: httpx.AsyncClient, simulator: CmiSimulator, cmi_settings: Settings
) -> None:
    member, booking, form = await _a_hold_to_pay(api)
    oid = form["fields"]["oid"]
    approved = {"ProcReturnCode": "00", "Response": "Approved", "ErrMsg": ""}
    # Before any callback: a forged "approved" return to okUrl only redirects.
    forged = await api.post("/payments/cmi/ok", data={**form["fields"], **approved}, follow_redirects=False)
    assert forged.status_code == 303
    assert await _status(api, member, booking["id"]) == "held"
    _pay_at_cmi(simulator, form, DECLINING_CARD)
    assert simulator.send_tampered_callback(oid, **approved).body == "FAILURE"
    assert simulator.send_tampered_callback(oid, HASH="x" * 88).body == "FAILURE"
    assert simulator.send_signed_callback(oid, **approved, amount="1.00").body == "FAILURE"
    garbage = await api.post("/api/payments/cmi/callback", content=b"\xff\x00oid=1&oid=2")
    assert (garbage.status_code, garbage.text) == (200, "FAILURE")
    assert await _status(api, member, booking["id"]) == "held"
    assert await _payments(cmi_settings) == [("cmi", "failed", 85_000)]


async def test_a_declined_card_is_answered_failure_and_the_member_tries_again_with_a_new_order(
    api: httpx.AsyncClient, simulator: CmiSimulator
) -> None:
    member = await _member(api)
    booking = await _held(api, member)
    first = (await _checkout(api, member, booking["id"]))["form"]
    back = _pay_at_cmi(simulator, first, DECLINING_CARD)
    assert back["action"].endswith("/payments/cmi/fail")
    assert simulator.answers_for(first["fields"]["oid"]) == ["FAILURE"]  # CONTRACT.md: not APPROVED
    shown = await api.get(f"/payments/cmi/{first['fields']['oid']}", headers=member)
    assert 'data-status="failed"' in shown.text
    second = (await _checkout(api, member, booking["id"]))["form"]
    assert second["fields"]["oid"] != first["fields"]["oid"]
    _pay_at_cmi(simulator, second)
    assert await _status(api, member, booking["id"]) == "confirmed"


async def test_a_callback_for_a_lapsed_hold_confirms_when_every_rule_allows_and_is_not_captured_otherwise(
    api: httpx.AsyncClient, simulator: CmiSimulator, clock: Clock, cmi_settings: Settings
) -> None:
    member, other = await _member(api), await _member(api, "M0002")
    kept = await _held(api, member)
    kept_form = (await _checkout(api, member, kept["id"]))["form"]
    bungalow = {"unit_type": "bungalow", "guests": 4}
    lost = await _held(api, other, **bungalow)
    lost_form = (await _checkout(api, other, lost["id"]))["form"]
    clock.advance(minutes=16)
    for name in ("M0003", "M0004", "M0006"):  # the three bungalows go to others meanwhile
        await _held(api, await _member(api, name), **bungalow)
    _pay_at_cmi(simulator, kept_form)
    _pay_at_cmi(simulator, lost_form)
    assert simulator.answers_for(kept_form["fields"]["oid"]) == ["ACTION=POSTAUTH"]
    assert simulator.answers_for(lost_form["fields"]["oid"]) == ["FAILURE"]
    assert await _status(api, member, kept["id"]) == "confirmed"
    refused = (await api.get(f"/api/bookings/{lost['id']}", headers=other)).json()
    assert (refused["status"], refused["notice_code"]) == ("expired", "hold_lost_released")
    held_at_cmi = taken_by_order(parse_export(simulator.export_csv()))
    assert held_at_cmi[lost_form["fields"]["oid"]].amount_minor == 0  # authorised, never captured
    assert simulator.replay_callback(lost_form["fields"]["oid"]).body == "FAILURE"
    await assert_ledger_balanced(cmi_settings)


async def _reconcile(settings: Settings, export: str, tmp_path: Any) -> tuple[int, str]:
    """`estivage reconcile --cmi-export` on the test's database (in a thread: the command runs its own
    event loop)."""
    path = tmp_path / "cmi-export.csv"
    path.write_text(export, encoding="utf-8")
    env = {
        "DATABASE_URL": settings.database_url,
        "ESTIVAGE_DATA_DIR": str(settings.data_dir),
        "ESTIVAGE_PAYMENTS": "cmi",
        "CMI_CLIENT_ID": CLIENT_ID,
        "CMI_STORE_KEY": STORE_KEY,
        "CMI_GATEWAY_URL": settings.cmi_gateway_url or "",
    }
    command = ["reconcile", "--cmi-export", str(path)]
    result = await asyncio.to_thread(CliRunner().invoke, cli.cli, command, env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


async def test_a_cancelled_cmi_stay_owes_its_refund_until_staff_record_it_and_reconcile_follows(
    api: httpx.AsyncClient, simulator: CmiSimulator, cmi_settings: Settings, tmp_path: Any
) -> None:
    member, staff = await _member(api), await _member(api, "staff")
    booking = await _held(api, member)
    form = (await _checkout(api, member, booking["id"]))["form"]
    oid = form["fields"]["oid"]
    _pay_at_cmi(simulator, form)
    assert await _reconcile(cmi_settings, simulator.export_csv(), tmp_path) == (0, "no differences\n")

    cancelled = (await api.post(f"/api/bookings/{booking['id']}/cancel", headers=member)).json()
    refund = cancelled["refund"]
    assert refund["amount_minor"] == 85_000  # in full, more than seven days before arrival
    [owed] = (await api.get(f"/api/bookings/{booking['id']}/refunds", headers=member)).json()
    assert (owed["state"], owed["amount"], owed["order_id"]) == ("owed", refund, oid)
    assert [o["id"] for o in (await api.get("/api/payments/refunds/owed", headers=staff)).json()] == [
        owed["id"]
    ]
    booking_page = f"/bookings/{booking['id']}"
    assert 'id="refund-pending"' in (await api.get(booking_page, headers=member)).text
    code, output = await _reconcile(cmi_settings, simulator.export_csv(), tmp_path)
    assert code == 1
    assert "refund owed" in output
    assert oid in output

    simulator.record_refund(oid, "850.00")  # staff refund in CMI's back office
    credit = next(row for row in parse_export(simulator.export_csv()) if row.kind == "Credit")
    code, output = await _reconcile(cmi_settings, simulator.export_csv(), tmp_path)
    assert code == 1
    assert "not recorded here" in output
    made_with = {"transaction_id": credit.transaction_id}
    made = await api.post(f"/api/payments/refunds/{owed['id']}/made", json=made_with, headers=staff)
    assert made.status_code == 200, made.text
    assert made.json()["state"] == "made"
    twice = await api.post(f"/api/payments/refunds/{owed['id']}/made", json=made_with, headers=staff)
    assert (twice.status_code, twice.json()["state"]) == (200, "made")  # a double click
    other = await api.post(
        f"/api/payments/refunds/{owed['id']}/made", json={"transaction_id": "OTHER1"}, headers=staff
    )
    assert (other.status_code, other.json()["code"]) == (409, "refund_already_made")
    assert (await api.get("/api/payments/refunds/owed", headers=staff)).json() == []
    assert 'id="refund-pending"' not in (await api.get(booking_page, headers=member)).text
    assert await _reconcile(cmi_settings, simulator.export_csv(), tmp_path) == (0, "no differences\n")
    await assert_ledger_balanced(cmi_settings)


async def test_reconcile_names_money_cmi_captured_for_an_order_not_confirmed_here(
    api: httpx.AsyncClient, simulator: CmiSimulator, cmi_settings: Settings, tmp_path: Any
) -> None:
    _member, _booking, form = await _a_hold_to_pay(api)
    _pay_at_cmi(simulator, form, DECLINING_CARD)
    extra = "\r\n".join(
        [
            simulator.export_csv().rstrip("\r\n"),
            f"{form['fields']['oid']};X1;04/12/2026 10:00:00;PostAuth;Approved;850.00;MAD;;",
            "",
        ]
    )
    code, output = await _reconcile(cmi_settings, extra, tmp_path)
    assert code == 1
    assert f"order {form['fields']['oid']}: CMI holds 850.00 MAD, recorded here 0.00 MAD" in output
    engine = create_disposable_engine(cmi_settings.database_url)
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
    await engine.dispose()
