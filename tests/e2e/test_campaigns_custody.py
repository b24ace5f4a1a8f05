"""Who can know the lottery's seeds when, and who changed a campaign: the opening seed is drawn and
committed when the campaign opens, the close seed when it closes, neither served by any API before the
draw; the audit log names who created and changed the campaign."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from booking.campaigns.models import Campaign
from booking.domain.allocation.publication import inputs_from_json, inputs_to_json
from estivage.draw_check import main as publication
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import Clock, login
from tests.e2e.test_campaigns import BUNGALOW, CODE, DEADLINE, Client, apply, open_campaign


async def _stored_seed(settings: Settings, column: Any = Campaign.seed_hex) -> str | None:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        seed: str | None = await session.scalar(select(column).where(Campaign.code == CODE))
    await engine.dispose()
    return seed


async def test_the_seed_is_committed_when_the_campaign_opens_and_revealed_only_by_the_draw(
    client: Client, clock: Clock, settings: Settings
) -> None:
    staff = await login(client, "staff")
    member = await login(client, "M0001")
    created = await open_campaign(client, staff)
    commitment = created["seed_commitment"]
    assert commitment is not None
    shown = (await client.get(f"/api/campaigns/{CODE}", headers=member)).json()
    assert shown["seed_commitment"] == commitment
    seed = await _stored_seed(settings)
    assert seed is not None
    assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == commitment

    assert (await apply(client, member, BUNGALOW)).status_code == 201
    assert shown["close_seed_commitment"] is None  # no close seed while applications can change
    assert await _stored_seed(settings, Campaign.close_seed_hex) is None
    clock.advance(days=8)
    closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    # Close publishes the digest under the commitment made at the opening, and draws the close seed.
    assert (closed.json()["seed_commitment"], closed.json()["seed"]) == (commitment, None)
    assert await _stored_seed(settings) == seed
    close_commitment = closed.json()["close_seed_commitment"]
    close_seed = await _stored_seed(settings, Campaign.close_seed_hex)
    assert close_seed is not None
    assert hashlib.sha256(bytes.fromhex(close_seed)).hexdigest() == close_commitment
    assert closed.json()["close_seed"] is None
    before_draw = [
        await client.get(f"/api/campaigns/{CODE}", headers=member),
        await client.get("/api/campaigns", headers=staff),
        await client.get(f"/api/campaigns/{CODE}/inputs.json"),
        await client.get(f"/api/campaigns/{CODE}/audit", headers=staff),
        await client.get(f"/api/campaigns/{CODE}/application", headers=member),
    ]
    for response in before_draw:
        assert response.status_code == 200, response.text
        assert seed not in response.text, response.url
        assert close_seed not in response.text, response.url
    assert before_draw[0].json()["close_seed_commitment"] == close_commitment
    published = before_draw[2].json()
    assert (published["format"], published["close_seed_commitment"]) == (
        "estivage-allocation-inputs/2",
        close_commitment,
    )
    [committed] = [e for e in before_draw[3].json() if e["event"] == "committed"]
    assert committed["detail"]["close_seed_commitment"] == close_commitment

    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert (drawn.json()["seed"], drawn.json()["close_seed"]) == (seed, close_seed)
    revealed = (await client.get(f"/api/campaigns/{CODE}/inputs.json")).json()
    assert (revealed["seed"], revealed["close_seed"]) == (seed, close_seed)


async def test_a_campaign_created_before_seeds_were_drawn_at_creation_gets_one_at_close(
    client: Client, clock: Clock, settings: Settings
) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:  # as migration 0013 leaves an older campaign
        await session.execute(update(Campaign).values(seed_hex=None, seed_commitment=None))
        await session.commit()
    await engine.dispose()
    assert (await client.get(f"/api/campaigns/{CODE}", headers=staff)).json()["seed_commitment"] is None
    assert (await apply(client, await login(client, "M0001"), BUNGALOW)).status_code == 201
    clock.advance(days=8)

    closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    commitment = closed.json()["seed_commitment"]
    assert commitment is not None
    audit = await client.get(f"/api/campaigns/{CODE}/audit", params={"event": "committed"}, headers=staff)
    assert audit.json()[0]["detail"]["seed_drawn_at_close"] is True
    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert hashlib.sha256(bytes.fromhex(drawn.json()["seed"])).hexdigest() == commitment
    close_seed = bytes.fromhex(drawn.json()["close_seed"])  # both seeds drawn at close, both revealed
    assert hashlib.sha256(close_seed).hexdigest() == closed.json()["close_seed_commitment"]


async def test_a_campaign_closed_before_close_seeds_existed_is_drawn_on_its_one_seed(
    client: Client, clock: Clock, settings: Settings, tmp_path: Path
) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    for name in ("M0001", "M0002", "M0003", "M0004", "M0006"):
        assert (await apply(client, await login(client, name), BUNGALOW)).status_code == 201
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:  # as a close before migration 0016 left it
        published = await session.scalar(select(Campaign.published_inputs))
        assert published is not None
        one_seed = dataclasses.replace(inputs_from_json(published), close_seed_commitment=None)
        await session.execute(
            update(Campaign).values(
                published_inputs=inputs_to_json(one_seed), close_seed_hex=None, close_seed_commitment=None
            )
        )
        await session.commit()
    await engine.dispose()

    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert drawn.status_code == 200, drawn.text
    assert (drawn.json()["close_seed_commitment"], drawn.json()["close_seed"]) == (None, None)
    inputs = await client.get(f"/api/campaigns/{CODE}/inputs.json")
    assert inputs.json()["format"] == "estivage-allocation-inputs/1"
    inputs_file, results_file = tmp_path / "inputs.json", tmp_path / "results.csv"
    inputs_file.write_text(inputs.text, encoding="utf-8")
    results_file.write_text((await client.get(f"/api/campaigns/{CODE}/results.csv")).text, encoding="utf-8")
    with redirect_stdout(io.StringIO()) as printed:
        assert publication(["verify", str(inputs_file), str(results_file)]) == 0, printed.getvalue()


async def test_the_audit_log_names_who_created_and_changed_the_campaign(client: Client) -> None:
    staff = await login(client, "staff")
    created = await open_campaign(client, staff, reserved_percent={"retired": 34})
    unchanged = await client.patch(f"/api/campaigns/{CODE}", json={"offer_validity_hours": 48}, headers=staff)
    assert unchanged.status_code == 200
    changed = await client.patch(
        f"/api/campaigns/{CODE}",
        json={"weights": {"points_if_retired": 40}, "reserved_percent": {"retired": 0}},
        headers=staff,
    )
    assert changed.status_code == 200, changed.text

    log = (await client.get(f"/api/campaigns/{CODE}/audit", headers=staff)).json()
    assert [(e["event"], e["actor"]) for e in log] == [("created", "staff"), ("changed", "staff")]
    opened = log[0]["detail"]
    assert opened["seed_commitment"] == created["seed_commitment"]
    assert (opened["reserved_percent"], opened["centres"]) == ({"retired": 34}, ["ifrane"])
    assert datetime.fromisoformat(opened["applications_close_at"]) == DEADLINE
    change = log[1]["detail"]
    assert change["weights"]["from"]["points_if_retired"] == 15
    assert change["weights"]["to"]["points_if_retired"] == 40
    assert change["reserved_percent"] == {"from": {"retired": 34}, "to": {"retired": 0}}
    bungalow = next(c for c in change["slots"] if c["slot"] == "ifrane/r1/bungalow")
    assert (bungalow["from"]["reserved"], bungalow["to"]["reserved"]) == ({"retired": 1}, {"retired": 0})
    assert "offer_validity_hours" not in change
