"""The public files of a draw: results stored once by the draw and served as stored (compact JSON), and
every offer made after the draw published in ``offers.csv``."""

from __future__ import annotations

from sqlalchemy import update

from booking.campaigns.models import Campaign
from booking.domain.allocation.publication import rows_from_csv, rows_from_json
from estivage.db import create_disposable_engine, session_factory
from estivage.settings import Settings
from tests.conftest import Clock, login
from tests.e2e.test_campaigns import BUNGALOW, CODE, Client, apply, open_campaign


async def _drawn(client: Client, clock: Clock, members: int) -> dict[str, str]:
    staff = await login(client, "staff")
    await open_campaign(client, staff, reserved_percent={})
    for number in range(1, members + 1):
        member = await login(client, f"M{number:04d}")
        assert (await apply(client, member, BUNGALOW)).status_code == 201
    clock.advance(days=8)
    assert (await client.post(f"/api/campaigns/{CODE}/close", headers=staff)).status_code == 200
    assert (await client.post(f"/api/campaigns/{CODE}/draw", headers=staff)).status_code == 200
    return staff


async def test_results_json_is_compact_and_holds_the_rows_of_the_csv(
    client: Client, clock: Clock, settings: Settings
) -> None:
    await _drawn(client, clock, 5)
    as_csv = (await client.get(f"/api/campaigns/{CODE}/results.csv")).text
    as_json = await client.get(f"/api/campaigns/{CODE}/results.json")
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert "\n " not in as_json.text  # no indentation: a fifth of the size at full scale
    assert rows_from_json(as_json.text) == rows_from_csv(as_csv)
    assert len(rows_from_csv(as_csv)) == 5

    # A campaign drawn before the JSON was stored (migration 0013) still serves the same document.
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await session.execute(update(Campaign).values(published_results_json=None))
        await session.commit()
    await engine.dispose()
    legacy = await client.get(f"/api/campaigns/{CODE}/results.json")
    assert legacy.text == as_json.text


async def test_results_are_409_before_the_draw_and_404_for_an_unknown_campaign(client: Client) -> None:
    staff = await login(client, "staff")
    await open_campaign(client, staff)
    for name in ("results.json", "results.csv", "inputs.json"):
        assert (await client.get(f"/api/campaigns/{CODE}/{name}")).status_code == 409, name
        assert (await client.get(f"/api/campaigns/summer-1999/{name}")).status_code == 404, name

