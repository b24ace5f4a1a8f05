"""The public files of a draw: results stored once by the draw and served as stored (compact JSON), and
every offer made after the draw published in ``offers.csv``."""

from __future__ import annotations

import csv
import io

from sqlalchemy import update

from booking.campaigns.models import Campaign
from booking.domain.allocation.publication import rows_from_csv, rows_from_json
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from tests.conftest import Clock, login
from tests.e2e.test_campaigns import CODE, Client, drawn, open_campaign

FIVE = [f"M{n:04d}" for n in range(1, 6)]


async def test_results_json_is_compact_and_holds_the_rows_of_the_csv(
    client: Client, clock: Clock, settings: Settings
) -> None:
    await drawn(client, clock, FIVE)
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
    for name in ("results.json", "results.csv", "inputs.json", "offers.csv"):
        assert (await client.get(f"/api/campaigns/{CODE}/{name}")).status_code == 409, name
        assert (await client.get(f"/api/campaigns/summer-1999/{name}")).status_code == 404, name


async def test_every_unit_freed_after_the_draw_is_published_with_whom_it_went_to(
    client: Client, clock: Clock
) -> None:
    staff = (await drawn(client, clock, FIVE))["staff"]  # three bungalows: three offers, two waiting
    empty = await client.get(f"/api/campaigns/{CODE}/offers.csv")
    assert (empty.status_code, empty.text.splitlines()[1:]) == (200, [])
    results = list(csv.DictReader(io.StringIO((await client.get(f"/api/campaigns/{CODE}/results.csv")).text)))
    offered = [row["application_id"] for row in results if row["result"] == "offer"]
    waiting = sorted(
        (row for row in results if row["result"] == "waiting"), key=lambda row: int(row["waiting_position"])
    )

    clock.advance(hours=49)  # nobody paid: the three offers lapse, the two waiting are offered
    settled = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
    assert (settled.json()["lapsed"], settled.json()["offered"]) == (3, 2)

    published = await client.get(f"/api/campaigns/{CODE}/offers.csv")
    assert published.status_code == 200
    assert published.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(published.text)))
    assert [row["number"] for row in rows] == ["1", "2", "3"]
    assert [(row["result"], row["application_id"]) for row in rows] == [
        ("offer", waiting[0]["application_id"]),
        ("offer", waiting[1]["application_id"]),
        ("nobody_waiting", ""),
    ]
    assert sorted(row["freed_by"] for row in rows) == sorted(offered)
    assert {row["freed_because"] for row in rows} == {"lapsed"}
    assert {(row["centre"], row["rotation"], row["unit_type"]) for row in rows} == {
        ("ifrane", "r1", "bungalow")
    }
    assert [row["choice_rank"] for row in rows] == ["1", "1", ""]
    assert all(row["at"].startswith(clock.now.isoformat()[:19]) for row in rows)
    assert "M000" not in published.text


async def test_offers_csv_follows_each_freeing_even_when_an_application_frees_a_unit_twice(
    client: Client, clock: Clock
) -> None:
    who = await drawn(client, clock, ["M0001", "M0002"])  # three bungalows, nobody waits
    staff, late, other = who["staff"], who["M0001"], who["M0002"]
    mine = {}
    for name, member in (("late", late), ("other", other)):
        mine[name] = (await client.get(f"/api/campaigns/{CODE}/application", headers=member)).json()
    card = await client.post(
        f"/api/bookings/{mine['late']['offer']['booking_id']}/checkout", json={"method": "card"}, headers=late
    )
    payroll = await client.post(
        f"/api/bookings/{mine['other']['offer']['booking_id']}/checkout",
        json={"method": "payroll", "instalments": 2},
        headers=other,
    )
    assert (card.status_code, payroll.status_code) == (200, 200)

    async def settled() -> dict[str, int]:
        clock.advance(hours=1)
        response = await client.post(f"/api/campaigns/{CODE}/settle", headers=staff)
        assert response.status_code == 200, response.text
        return dict(response.json())

    clock.advance(hours=48)
    assert (await settled())["lapsed"] == 1  # the card payment is slow: the offer lapses first
    confirmed = await client.post(
        card.json()["redirect_url"].split("?")[0] + "/confirm", headers=late, follow_redirects=False
    )
    assert confirmed.status_code == 303
    assert (await settled())["paid"] == 1  # then the money arrives while the unit is free: paid after all
    for member, name in ((other, "other"), (late, "late")):  # each cancels its paid stay, in this order
        booking_id = mine[name]["offer"]["booking_id"]
        assert (await client.post(f"/api/bookings/{booking_id}/cancel", headers=member)).status_code == 200
        assert (await settled())["cancelled"] == 1

    rows = list(csv.DictReader(io.StringIO((await client.get(f"/api/campaigns/{CODE}/offers.csv")).text)))
    assert [(row["freed_by"], row["freed_because"]) for row in rows] == [
        (mine["late"]["public_id"], "lapsed"),
        (mine["other"]["public_id"], "cancelled"),
        (mine["late"]["public_id"], "cancelled"),
    ]
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)
