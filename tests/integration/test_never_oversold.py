"""Never sold twice: hundreds of members rush the same few units through HTTP, on SQLite and PostgreSQL.

The second test is pretix's proof that the guard matters: the same rush with the allocation lock
switched off (a test-only flag) is expected to fail. On PostgreSQL two retired members then get the one
bungalow a night their quota allows (each transaction saw it free); on SQLite the unguarded unit of work
reads before it writes, and concurrent writers fail with "database is locked". The unique (unit, night)
constraint still refuses any unit sold twice in both cases: the lock guards what a constraint cannot.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.security.jwt import Token
from sqlalchemy import func, select

from accounts.models import User
from booking import repository as booking_repository
from booking import services
from booking.locks import ALLOCATION_LOCK
from booking.models import Booking
from inventory.models import StayNight
from kernel.db import create_disposable_engine, session_factory
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from tests.conftest import NOW, STAY, pause_demo_promotions
from tests.support.live import live_server

BUNGALOWS = {"unit_type": "bungalow", "guests": 4}


async def member_headers(settings: Settings, usernames: list[str]) -> list[dict[str, str]]:
    """Bearer tokens minted directly: hundreds of argon2 logins would only measure argon2."""
    engine = create_disposable_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = (
            (await session.execute(select(User.id, User.username).where(User.username.in_(usernames))))
            .tuples()
            .all()
        )
    await engine.dispose()
    category = {u: "retired" if int(u[1:]) % 5 == 0 else "active" for u in usernames}
    return [
        {
            "Authorization": "Bearer "
            + Token(
                sub=str(user_id),
                exp=NOW + timedelta(days=3650),
                extras={
                    "username": name,
                    "role": "member",
                    "category": category[name],
                    "centres": [],
                    "ver": 0,  # the account's token version (accounts.domain.sessions)
                },
            ).encode(settings.jwt_secret, "HS256")
        }
        for user_id, name in rows
    ]


@pytest.fixture
async def http(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Real concurrent HTTP to a real server on loopback."""
    with live_server(app) as base:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            yield client


async def rush(
    http: httpx.AsyncClient, headers: list[dict[str, str]], *stays: dict[str, str]
) -> Counter[int]:
    """Everyone at once; the i-th member asks for the i-th of `stays` (cycling), the default stay if none.

    The server's connection pool is warmed first, as on a server that has been running: otherwise the
    first request is done before the others have opened their connections, and nothing races."""
    await asyncio.gather(*(http.get("/ready") for _ in range(20)))
    chosen = stays or ({},)
    responses = await asyncio.gather(
        *(
            http.post("/api/bookings", json={**STAY, **BUNGALOWS, **chosen[i % len(chosen)]}, headers=h)
            for i, h in enumerate(headers)
        )
    )
    return Counter(r.status_code for r in responses)


async def bungalows_left(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    params = {k: v for k, v in {**STAY, **BUNGALOWS}.items() if k != "unit_type"}
    offers = (await http.get("/api/availability", params=params, headers=headers)).json()
    return int(next(o["available"] for o in offers if o["unit_type"] == "bungalow"))


async def confirm_all(settings: Settings) -> int:
    engine = create_disposable_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        ids = list(await session.scalars(select(Booking.id).where(Booking.status == "held")))

    async def confirm(booking_id: Any) -> None:
        async with sessions() as session:
            uow = UnitOfWork(session)
            await services.confirm(uow, booking_id, NOW)
            await uow.commit()

    await asyncio.gather(*(confirm(i) for i in ids))
    async with sessions() as session:
        confirmed = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.status == "confirmed")
        )
        worst = await session.scalar(
            select(func.count())
            .select_from(StayNight)
            .group_by(StayNight.unit_id, StayNight.night)
            .order_by(func.count().desc())
            .limit(1)
        )
    await engine.dispose()
    assert worst == 1
    return confirmed or 0


@pytest.mark.slow
async def test_a_rush_of_members_never_gets_more_than_the_units(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    actives = [f"M{i:04d}" for i in range(1, 251) if i % 5]  # 200 active members, 3 bungalows
    headers = await member_headers(settings, actives)
    statuses = await rush(http, headers)
    assert statuses == Counter({201: 3, 409: len(actives) - 3})
    assert await confirm_all(settings) == 3
    assert await bungalows_left(http, headers[0]) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "guard",
    [
        "on",
        pytest.param(
            "off", marks=pytest.mark.xfail(strict=True, reason="without the lock the quota is overrun")
        ),
    ],
)
async def test_the_lock_is_what_keeps_the_retired_quota(
    http: httpx.AsyncClient, settings: Settings, guard: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An active member already has the first bungalow on the night of the 24th, so retired members
    # arriving on the 21st must take another unit than those arriving on the 20th: only the lock stops
    # both groups from each seeing the retired quota (one bungalow a night) still free.
    active = await member_headers(settings, ["M0001"])
    first = await http.post(
        "/api/bookings",
        json={**STAY, **BUNGALOWS, "arrival": "2026-12-24", "departure": "2026-12-26"},
        headers=active[0],
    )
    assert first.status_code == 201
    monkeypatch.setitem(ALLOCATION_LOCK, "enabled", guard == "on")
    # Widen the window between the availability check and the write, so the interleaving the lock
    # forbids happens every time rather than by luck; with the lock on it only makes the rush slower.
    clear = booking_repository.clear_expired_nights

    async def slow_clear(*args: Any) -> None:
        await asyncio.sleep(0.05)  # 0.02 s let the unguarded rush pass once in a while on a fast server
        await clear(*args)

    monkeypatch.setattr(booking_repository, "clear_expired_nights", slow_clear)
    retired = await member_headers(settings, [f"M{i:04d}" for i in range(5, 501, 5)])  # 100 retired members
    statuses = await rush(
        http,
        retired,
        {"arrival": "2026-12-20", "departure": "2026-12-24"},
        {"arrival": "2026-12-21", "departure": "2026-12-25"},
    )
    if guard == "off" and backend == "sqlite" and statuses == Counter({201: 1, 409: len(retired) - 1}):
        # SQLite has one writer: under a loaded machine its busy wait sometimes serialises the unguarded
        # rush by itself. That run proves nothing either way; PostgreSQL's run is the proof.
        pytest.xfail("SQLite serialised the unguarded rush by itself this time")
    assert statuses == Counter({201: 1, 409: len(retired) - 1})


@pytest.mark.slow
async def test_a_rush_never_passes_a_promotions_use_cap_or_budget(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    await pause_demo_promotions(settings)
    staff = await http.post("/api/auth/token", json={"username": "staff", "password": "estivage-demo"})
    headers = {"Authorization": f"Bearer {staff.json()['access_token']}"}
    promotion = await http.post(
        "/api/promotions",
        headers=headers,
        json={
            "name": "Rush",
            "kind": "percentage",
            "percent_bp": 1000,
            "max_uses": 5,
            "budget": {"amount_minor": 10_000_000, "currency": "MAD"},
        },
    )
    assert promotion.status_code == 201
    actives = await member_headers(settings, [f"M{i:04d}" for i in range(1, 101) if i % 5])
    stays = [{"unit_type": "apt2", "guests": 2}, {"unit_type": "studio", "guests": 2}]
    await asyncio.gather(*(http.get("/ready") for _ in range(20)))
    responses = await asyncio.gather(
        *(http.post("/api/bookings", json={**STAY, **stays[i % 2]}, headers=h) for i, h in enumerate(actives))
    )
    held = [r.json() for r in responses if r.status_code == 201]
    assert len(held) == 32  # 20 two-room apartments and 12 studios
    assert sum(b["price"]["promotion"] is not None for b in held) == 5
