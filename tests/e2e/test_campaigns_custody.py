"""Who can know the lottery's seed when, and who changed a campaign: the seed is drawn and committed when
the campaign opens, served by no API before the draw; the audit log names who created and changed it."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update

from booking.campaigns.models import Campaign
from estivage.db import create_disposable_engine, session_factory
from estivage.settings import Settings
from tests.conftest import Clock, login
from tests.e2e.test_campaigns import BUNGALOW, CODE, DEADLINE, Client, apply, open_campaign


async def _stored_seed(settings: Settings) -> str | None:
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        seed = await session.scalar(select(Campaign.seed_hex).where(Campaign.code == CODE))
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
    clock.advance(days=8)
    closed = await client.post(f"/api/campaigns/{CODE}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    # Close publishes the digest under the commitment made at the opening; it draws no seed of its own.
    assert (closed.json()["seed_commitment"], closed.json()["seed"]) == (commitment, None)
    assert await _stored_seed(settings) == seed
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

    drawn = await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)
    assert drawn.json()["seed"] == seed
    assert (await client.get(f"/api/campaigns/{CODE}/inputs.json")).json()["seed"] == seed


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
