"""The summer draw on the database at full size: 20,000 applications over the demo centres.

    uv run python -m bench.allocation_db [--applications 20000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python -m bench.allocation_db

On a fresh migrated and seeded database (a temporary SQLite file, or a throwaway database on the
PostgreSQL server of DATABASE_URL) it adds 20,000 members who each apply (not timed), then times what
the staff run: closing (scores from the member records, digest, close seed), the draw (both seeds,
lottery, allocation, positions and waiting lists stored, every offer held as a booking on a real
unit), the commit, and one settle round. `bench/allocation.py` times the pure draw alone. Target: under 10 s.

    uv run python -m bench.allocation_db --mail

does the same with the mail outbox subscribed, as the app and the worker run it: every applicant has an
address (one in four reads Arabic), the draw writes each one's result and the lapse round its messages.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, insert, select

from accounts.models import Member, User
from bench.harness import throwaway_postgres
from booking.campaigns import draw, services, settle, views
from booking.campaigns.commands import CampaignIn
from booking.campaigns.models import CampaignApplication
from estivage.migrate import upgrade
from estivage.seed import seed_demo
from kernel.db import create_disposable_engine, session_factory
from kernel.events import NO_HANDLERS, EventHandlers
from kernel.uow import UnitOfWork
from notifications import handlers as mail_handlers
from notifications.handlers import MailConfig
from notifications.models import OutboxMessage

T = TypeVar("T")
CENTRE_WEIGHT = {"ifrane": 1, "sidi-bouzid": 3, "saidia": 4, "mdiq": 3}
ROTATION_WEIGHT = {"r1": 1, "r2": 2, "r3": 3, "r4": 4, "r5": 4, "r6": 2}


async def timed(label: str, step: Awaitable[T]) -> T:
    started, cpu = time.perf_counter(), time.process_time()
    value = await step
    # The process's CPU time too (every thread's: the SQLite driver's included), steadier than the wall
    # clock on a machine shared with others.
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<52}{wall:8.3f} s  (cpu {used:.3f} s)", flush=True)
    return value


async def _members(
    session_url: str, count: int, now: datetime, rng: random.Random, mail: bool = False
) -> list[int]:
    engine = create_disposable_engine(session_url)
    async with session_factory(engine)() as session:
        users = [
            {"username": f"B{i:06d}", "password_hash": "-", "role": "member", "display_name": "",
             "active": True, "created_at": now}
            for i in range(count)
        ]  # fmt: skip
        for start in range(0, count, 5000):
            await session.execute(insert(User), users[start : start + 5000])
        ids = list(await session.scalars(select(User.id).where(User.username.like("B%")).order_by(User.id)))
        members = [
            {"user_id": user_id, "member_number": f"B{i:06d}", "first_name": "B", "last_name": str(i),
             "first_name_ar": "", "last_name_ar": "",
             "category": "retired" if rng.random() < 0.25 else "active",
             "salary_scale": rng.randint(1, 12), "family_size": rng.randint(1, 8),
             "email": f"b{i:06d}@members.estivage.example" if mail else "", "phone": "",
             "preferred_language": "ar" if mail and i % 4 == 0 else "fr",
             "last_summer_stay_year": rng.choice([None, now.year - 1, now.year - 2, now.year - 4])}
            for i, user_id in enumerate(ids)
        ]  # fmt: skip
        for start in range(0, count, 5000):
            await session.execute(insert(Member), members[start : start + 5000])
        await session.commit()
    await engine.dispose()
    return ids


async def _applications(
    url: str, code: str, member_ids: list[int], now: datetime, rng: random.Random
) -> None:
    engine = create_disposable_engine(url)
    async with session_factory(engine)() as session:
        campaign = await services.campaign_by_code(session, code)
        slots = [(s["centre"], s["rotation"], s["unit_type"]) for s in campaign.slots if s["units"] > 0]
        weights = [
            CENTRE_WEIGHT[c] * ROTATION_WEIGHT[r] * (1 + (t in {"bungalow", "villa", "apt3"}))
            for c, r, t in slots
        ]
        rows = []
        for number, member_id in enumerate(member_ids):
            choices: list[list[str]] = []
            wanted = rng.randint(1, 3)
            while len(choices) < wanted:
                slot = list(rng.choices(slots, weights)[0])
                if slot not in choices:
                    choices.append(slot)
            rows.append(
                {"campaign_id": campaign.id, "member_id": member_id, "public_id": f"S27-{number:06d}",
                 "status": "submitted", "party_size": 2, "choices": choices, "submitted_at": now,
                 "updated_at": now}
            )  # fmt: skip
        for start in range(0, len(rows), 5000):
            await session.execute(insert(CampaignApplication), rows[start : start + 5000])
        await session.commit()
    await engine.dispose()


def _mail_handlers(directory: Path) -> EventHandlers:
    handlers = EventHandlers()
    mail_handlers.subscribe(
        handlers, MailConfig(keys_path=directory / "keys", public_url="https://bench.example")
    )
    return handlers


async def run(url: str, count: int, mail: bool = False) -> None:
    rng = random.Random("bench")
    now = datetime.now(UTC).replace(microsecond=0)
    await asyncio.to_thread(upgrade, url)
    engine = create_disposable_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed_demo(session, now)
        campaign = await services.create_campaign(
            UnitOfWork(session),
            CampaignIn(
                season=f"summer-{now.year + (now.month >= 7)}",
                applications_close_at=now + timedelta(days=1),
                reserved_percent={"retired": 30},
            ),
            now,
        )
        code = campaign.code
    handlers = _mail_handlers(Path(tempfile.mkdtemp(prefix="estivage-bench-keys-"))) if mail else NO_HANDLERS
    members = await _members(url, count, now, rng, mail)
    await _applications(url, code, members, now, rng)
    closing = now + timedelta(days=1, seconds=1)
    started = time.perf_counter()
    async with sessions() as session:
        closed = draw.close(UnitOfWork(session), code, "bench", closing)
        await timed("close: scores, digest, close seed, committed", closed)
    async with sessions() as session:
        summary = await timed(
            "draw: lottery, allocation, results stored, offers held, committed",
            draw.draw(UnitOfWork(session, handlers), code, "bench", closing),
        )
    total = time.perf_counter() - started
    async with sessions() as session:
        reading = views.published_results(session, code, "json")
        body = await timed("results.json as a request reads it", reading)
    print(f"results.json {len(body.encode()) / 1e6:.1f} MB")
    async with sessions() as session:
        lapse_at = closing + timedelta(hours=campaign.offer_validity_hours, seconds=1)
        # the worker's round: every drawn campaign (here one), each committed in its own transaction
        round_ = settle.settle_all(UnitOfWork(session, handlers), lapse_at)
        settled = await timed("settle after every offer lapsed (re-offers), committed", round_)
        bookings = await session.scalar(select(func.count()).select_from(CampaignApplication))
        messages = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    print(
        f"{summary.applications} applications ({bookings} stored), {summary.offers} offers held as "
        f"bookings, {summary.waiting} waiting; after the lapse round: {settled.lapsed} lapsed, "
        f"{settled.offered} re-offered"
    )
    if mail:
        print(f"{messages} messages written to the outbox (draw and lapse round)")
    print(f"close + draw on the database {total:.3f} s (target < 10 s)")


async def main(count: int, mail: bool) -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    if server_url.startswith("postgres"):
        async with throwaway_postgres(server_url) as url:
            print(f"PostgreSQL, {count} applications")
            await run(url.replace("postgresql://", "postgresql+asyncpg://", 1), count, mail)
        return
    directory = Path(tempfile.mkdtemp(prefix="estivage-bench-"))
    try:
        print(f"SQLite, {count} applications")
        await run(f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}", count, mail)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--mail", action="store_true", help="with the mail outbox's messages written")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.applications, arguments.mail))
