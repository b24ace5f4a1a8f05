"""Reading and writing bookings and the nights they take."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member, User
from booking.domain import states
from booking.domain.limits import MemberLimits, MemberUsage
from booking.models import Booking, BookingPolicy
from inventory.domain.availability import TakenNight
from inventory.models import InventoryVersion, Season, StayNight
from inventory.snapshot import versioned
from kernel.codes import ErrorCode
from kernel.errors import NotFound

LIVE_STATES = tuple(sorted(states.PAID))  # a tuple: SQL IN wants a sequence

# A hold runs about ten statements. Built once here on the tables (not the mapped classes) and run with
# parameters, each costs a third of the CPU of an ORM statement built per call: no statement to build,
# no ORM compile step, the compiled form found in the cache at once.
BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
STAY_NIGHTS: Table = StayNight.__table__  # type: ignore[assignment]
_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_SEASONS: Table = Season.__table__  # type: ignore[assignment]
_VERSIONS: Table = InventoryVersion.__table__  # type: ignore[assignment]


def live_booking(now: datetime) -> ColumnElement[bool]:
    """A booking that holds its inventory or its promotion: confirmed onwards, or a hold not yet expired."""
    return or_(
        Booking.status.in_(LIVE_STATES),
        and_(Booking.status == states.HELD, Booking.hold_expires_at > now),
    )


def live_booking_row(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """``live_booking`` on the bookings table, for statements built once (``now`` a bound parameter)."""
    return or_(
        BOOKINGS.c.status.in_(LIVE_STATES),
        and_(BOOKINGS.c.status == states.HELD, BOOKINGS.c.hold_expires_at > now),
    )


async def policy(session: AsyncSession, version: int | None = None) -> BookingPolicy:
    """The booking policy; from the cache when the caller knows the current inventory version."""
    if version is not None:
        return await versioned(session, "booking_policy", version, lambda: _load_policy(session))
    return await _load_policy(session)


async def _load_policy(session: AsyncSession) -> BookingPolicy:
    found = await session.get(BookingPolicy, 1)
    if found is None:  # a database migrated without its default row: the documented defaults
        return BookingPolicy(
            id=1,
            hold_minutes=15,
            max_open_holds=1,
            max_off_season_nights_per_year=21,
            credit_max_instalments=10,
            credit_min_instalment_minor=20_000,
            credit_categories=["active"],
            no_show_grace_days=1,
        )
    session.expunge(found)  # cached across sessions: detached, read-only
    return found


def limits_of(found: BookingPolicy) -> MemberLimits:
    return MemberLimits(found.max_open_holds, found.max_off_season_nights_per_year)


async def member_for_update(session: AsyncSession, user_id: int) -> Member:
    member = (
        await session.scalars(select(Member).where(Member.user_id == user_id).with_for_update())
    ).one_or_none()
    if member is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member")
    return member


_MEMBER_CATEGORY_FOR_UPDATE = (
    select(_MEMBERS.c.category).where(_MEMBERS.c.user_id == bindparam("user_id")).with_for_update()
)


_USERS: Table = User.__table__  # type: ignore[assignment]
# Whether the member's account is active (on the foundation's roster, not disabled), read beside their row.
ACCOUNT_ACTIVE = (
    select(_USERS.c.active).where(_USERS.c.id == _MEMBERS.c.user_id).scalar_subquery().label("account_active")
)
_MEMBER_STANDING_FOR_UPDATE = (
    select(_MEMBERS.c.category, ACCOUNT_ACTIVE)
    .where(_MEMBERS.c.user_id == bindparam("user_id"))
    .with_for_update()
)


async def member_standing_for_update(session: AsyncSession, user_id: int) -> tuple[str, bool]:
    """The member's category and whether their account is active, their row locked (a hold's read)."""
    row = (await session.execute(_MEMBER_STANDING_FOR_UPDATE, {"user_id": user_id})).one_or_none()
    if row is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member")
    return str(row[0]), bool(row[1])


async def account_active(session: AsyncSession, user_id: int) -> bool:
    """Whether the account is active: a member who left the roster (or a disabled account) is not."""
    return bool(await session.scalar(select(_USERS.c.active).where(_USERS.c.id == user_id)))


async def member_category_for_update(session: AsyncSession, user_id: int) -> str:
    """The member's category, their row locked: what a hold needs of it, without loading the member."""
    category = (await session.execute(_MEMBER_CATEGORY_FOR_UPDATE, {"user_id": user_id})).scalar_one_or_none()
    if category is None:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "this account is not a member")
    return str(category)


_MEMBER_USAGE = (
    select(BOOKINGS.c.status, BOOKINGS.c.arrival, BOOKINGS.c.departure, _SEASONS.c.kind)
    .select_from(BOOKINGS.join(_SEASONS, _SEASONS.c.id == BOOKINGS.c.season_id))
    .where(BOOKINGS.c.member_id == bindparam("member_id"), live_booking_row(bindparam("now")))
)


async def member_usage(session: AsyncSession, user_id: int, year: int, now: datetime) -> MemberUsage:
    """Open holds, and off-season nights of live bookings arriving in `year`, in one query."""
    rows = await session.execute(_MEMBER_USAGE, {"member_id": user_id, "now": now})
    return _usage(rows.tuples(), year)


def _usage(bookings: Iterable[tuple[str, date, date, str]], year: int) -> MemberUsage:
    open_holds = nights = 0
    for status, arrival, departure, kind in bookings:
        open_holds += status == states.HELD
        if kind == "off_season" and arrival.year == year:
            nights += (departure - arrival).days
    return MemberUsage(open_holds=open_holds, nights_this_year=nights)


# The nights taken (as ``inventory.repository.taken_nights``) and the member's live bookings (as
# ``member_usage``) in one round trip: one union, a booking's row told apart by its status.
_VERSION_ROW = "version"  # the status column of the union's version row
_TAKEN_AND_USAGE = union_all(
    select(
        STAY_NIGHTS.c.unit_type_id,
        STAY_NIGHTS.c.unit_id,
        STAY_NIGHTS.c.night,
        STAY_NIGHTS.c.category,
        cast(null(), String).label("status"),
        cast(null(), Date).label("departure"),
        cast(null(), String).label("kind"),
    ).where(
        STAY_NIGHTS.c.unit_type_id.in_(bindparam("unit_type_ids", expanding=True)),
        STAY_NIGHTS.c.night >= bindparam("first"),
        STAY_NIGHTS.c.night < bindparam("end"),
        or_(STAY_NIGHTS.c.hold_expires_at.is_(None), STAY_NIGHTS.c.hold_expires_at > bindparam("now")),
    ),
    select(
        cast(null(), Integer),
        cast(null(), Integer),
        BOOKINGS.c.arrival,
        cast(null(), String),
        BOOKINGS.c.status,
        BOOKINGS.c.departure,
        _SEASONS.c.kind,
    )
    .select_from(BOOKINGS.join(_SEASONS, _SEASONS.c.id == BOOKINGS.c.season_id))
    .where(BOOKINGS.c.member_id == bindparam("member_id"), live_booking_row(bindparam("now"))),
    # The configuration's version, read under the locks too: the snapshot the hold decides on must be
    # the current one, whatever the lock-free look before it relied on (inventory.changes).
    select(
        cast(null(), Integer),
        _VERSIONS.c.version,
        cast(null(), Date),
        cast(null(), String),
        literal(_VERSION_ROW, String),
        cast(null(), Date),
        cast(null(), String),
    ).where(_VERSIONS.c.id == 1),
)


@dataclass(frozen=True, slots=True)
class LockedRead:
    """What a locked hold reads in one statement: the nights taken of its types, the member's usage for
    the year of its arrival, and the configuration's version (None: no version row)."""

    taken: dict[int, list[TakenNight]]
    usage: MemberUsage
    version: int | None


async def taken_nights_and_usage(
    session: AsyncSession,
    unit_type_ids: Sequence[int],
    first: date,
    end: date,
    now: datetime,
    user_id: int,
) -> LockedRead:
    """Both locks are held, so all of it is current."""
    parameters = {
        "unit_type_ids": list(unit_type_ids),
        "first": first,
        "end": end,
        "now": now,
        "member_id": user_id,
    }
    taken: dict[int, list[TakenNight]] = defaultdict(list)
    bookings: list[tuple[str, date, date, str]] = []
    version: int | None = None
    for unit_type_id, unit_id, night, category, status, departure, kind in await session.execute(
        _TAKEN_AND_USAGE, parameters
    ):
        if status is None:
            taken[unit_type_id].append(TakenNight(unit_id, night, category))
        elif status == _VERSION_ROW:
            version = unit_id
        else:
            bookings.append((status, night, departure, kind))
    return LockedRead(taken, _usage(bookings, first.year), version)


_CLEAR_EXPIRED_NIGHTS = delete(STAY_NIGHTS).where(
    STAY_NIGHTS.c.unit_type_id == bindparam("unit_type_id"),
    STAY_NIGHTS.c.night >= bindparam("first"),
    STAY_NIGHTS.c.night < bindparam("end"),
    STAY_NIGHTS.c.hold_expires_at.is_not(None),
    STAY_NIGHTS.c.hold_expires_at <= bindparam("now"),
)


async def clear_expired_nights(
    session: AsyncSession, unit_type_id: int, first: date, end: date, now: datetime
) -> None:
    """Expired holds' nights stand in the way of the unique (unit, night) constraint; the writer that
    needs the space removes them inside its locked unit of work."""
    await session.execute(
        _CLEAR_EXPIRED_NIGHTS, {"unit_type_id": unit_type_id, "first": first, "end": end, "now": now}
    )


def nights_rows(booking: Booking, hold_expires_at: datetime | None) -> list[StayNight]:
    return [
        StayNight(
            unit_id=booking.unit_id,
            unit_type_id=booking.unit_type_id,
            night=booking.arrival + timedelta(days=i),
            booking_id=booking.id,
            category=booking.category,
            guests=booking.guests,
            hold_expires_at=hold_expires_at,
        )
        for i in range((booking.departure - booking.arrival).days)
    ]


_INSERT_BOOKING = insert(BOOKINGS)
_INSERT_NIGHT = insert(STAY_NIGHTS)
# PostgreSQL: the booking and its nights (one per day from arrival to the day before departure) in one
# statement; the nights' insert reads the booking's row from the first, so it follows it.
_NEW_BOOKING = (
    insert(BOOKINGS)
    .values({column.key: bindparam(column.key, type_=column.type) for column in BOOKINGS.columns})
    .returning(
        *(
            BOOKINGS.c[key]
            for key in ("id", "unit_id", "unit_type_id", "arrival", "departure", "category", "guests")
        ),
        BOOKINGS.c.hold_expires_at,
    )
    .cte("new_booking")
)
_STAY_DAYS = (
    func.generate_series(0, _NEW_BOOKING.c.departure - _NEW_BOOKING.c.arrival - 1)
    .table_valued("day")
    .render_derived("stay_days")
)
_INSERT_BOOKING_AND_NIGHTS = insert(STAY_NIGHTS).from_select(
    ["unit_id", "unit_type_id", "night", "booking_id", "category", "guests", "hold_expires_at"],
    select(
        _NEW_BOOKING.c.unit_id,
        _NEW_BOOKING.c.unit_type_id,
        _NEW_BOOKING.c.arrival + _STAY_DAYS.c.day,
        _NEW_BOOKING.c.id,
        _NEW_BOOKING.c.category,
        _NEW_BOOKING.c.guests,
        _NEW_BOOKING.c.hold_expires_at,
    ).select_from(_NEW_BOOKING.join(_STAY_DAYS, true())),
)


async def insert_hold(session: AsyncSession, booking: Booking) -> None:
    """Write a new booking and the nights it takes: one statement on PostgreSQL, two plain inserts
    elsewhere (the nights in one executemany).

    The booking object stays outside the session: a hold is written once and only read back by its
    response, so the ORM's unit of work (identity map, flush ordering) would be pure overhead."""
    columns = {column.key: getattr(booking, column.key) for column in BOOKINGS.columns}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_INSERT_BOOKING_AND_NIGHTS, columns)
        return
    await session.execute(_INSERT_BOOKING, columns)
    nights = [
        {
            "unit_id": booking.unit_id,
            "unit_type_id": booking.unit_type_id,
            "night": booking.arrival + timedelta(days=i),
            "booking_id": booking.id,
            "category": booking.category,
            "guests": booking.guests,
            "hold_expires_at": booking.hold_expires_at,
        }
        for i in range((booking.departure - booking.arrival).days)
    ]
    await session.execute(_INSERT_NIGHT, nights)  # one executemany: a single round trip with asyncpg


async def confirm_nights(session: AsyncSession, booking_id: uuid.UUID) -> None:
    """A confirmed stay's nights no longer expire."""
    await session.execute(
        update(StayNight).where(StayNight.booking_id == booking_id).values(hold_expires_at=None)
    )


async def release_nights(session: AsyncSession, booking_id: uuid.UUID) -> None:
    await session.execute(delete(StayNight).where(StayNight.booking_id == booking_id))


async def unit_is_free(
    session: AsyncSession, unit_id: int, first: date, end: date, now: datetime, ignoring: uuid.UUID
) -> bool:
    taken = await session.scalar(
        select(func.count())
        .select_from(StayNight)
        .where(
            StayNight.unit_id == unit_id,
            StayNight.night >= first,
            StayNight.night < end,
            StayNight.booking_id != ignoring,
            or_(StayNight.hold_expires_at.is_(None), StayNight.hold_expires_at > now),
        )
    )
    return not taken
