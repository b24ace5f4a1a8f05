"""Availability: what a member can book at a centre for a stay, with the price of their tariff."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inventory import changes
from inventory import repository as repo
from inventory.domain.availability import TakenNight, free_units
from inventory.domain.calendar import SeasonRule, Stay, check_dates, direct_booking_seasons, local_today
from inventory.domain.pricing import nightly_prices
from inventory.domain.quotas import available_units, quota_room
from inventory.snapshot import CentreView, UnitTypeView, centre_view, last_centre_view
from kernel.errors import DomainError
from kernel.money import Money


@dataclass(frozen=True, slots=True)
class TypeOffer:
    """One unit type of a centre as the member can take it for the stay."""

    unit_type: UnitTypeView
    available: int
    free_unit_ids: list[int]
    nightly: list[tuple[date, Money]]

    @property
    def subtotal(self) -> Money:
        total = Money.zero(self.nightly[0][1].currency)
        for _night, price in self.nightly:
            total += price
        return total


@dataclass(frozen=True, slots=True)
class StaySearch:
    centre: CentreView
    stay: Stay
    offers: list[TypeOffer]


async def search_stay(
    session: AsyncSession,
    *,
    centre_code: str,
    arrival: date,
    departure: date,
    guests: int,
    category: str,
    now: datetime,
    unit_type_code: str | None = None,
    centre: CentreView | None = None,
    taken: dict[int, list[TakenNight]] | None = None,
) -> StaySearch:
    """Every unit type that fits the party (or the one asked for), with how many units the member's
    category can still take for the whole stay and its nightly tariff. Types with no tariff for the
    category are not offered: an unpriced stay is a configuration gap, never a free one.

    A caller that already holds this request's snapshot of the centre passes it in `centre`, and with
    it, when it has read them already, the nights taken of the types asked for in `taken`. Otherwise
    the snapshot last loaded is tried first, its version read with the nights taken in one statement;
    only when staff changed the configuration since is the snapshot reloaded and the nights read again.
    """
    request = _StayRequest(centre_code, arrival, departure, guests, category, now, unit_type_code)
    if centre is not None and centre.code == centre_code:
        return await _search(session, centre, request, taken)
    last = last_centre_view(session, centre_code)
    if last is not None:
        with contextlib.suppress(DomainError):  # judged again below on the current configuration
            answer = _ANSWERS.of(last, request)
            read = await _taken_now(session, answer.type_ids, answer.stay, now)
            if read.version == last.version:
                return answer.given(read)
    return await _search(session, await centre_view(session, centre_code), request)


@dataclass(slots=True)
class _Answer:
    """A stay asked of one snapshot of a centre on one day: its nights and fitting types, and the
    offers last computed from a kept read of their nights (``inventory.changes``)."""

    centre: CentreView
    request: _StayRequest
    stay: Stay
    season_of_night: dict[date, SeasonRule]
    fitting: list[UnitTypeView]
    type_ids: list[int]
    read: changes.Kept | None = None
    search: StaySearch | None = None

    def given(self, read: repo.TakenWithVersion | changes.Kept) -> StaySearch:
        """The offers for these nights taken: computed once per kept read, since the same kept read of
        the same snapshot gives the same offers (a read from the database is used once)."""
        if self.search is not None and read is self.read:
            return self.search
        search = _offers(self.centre, self.request, self.stay, self.season_of_night, self.fitting, read.taken)
        if isinstance(read, changes.Kept):
            self.read, self.search = read, search
        return search


class _Answers:
    """The answers of the stays asked lately, kept by snapshot (its identity: a reloaded snapshot is
    another key), stay and local day. In a rush the same few stays are asked again and again: their
    nights, seasons and offers were most of a refused hold's and a search's own CPU (bench/rush.py,
    issue 21). Written by hand: the key holds the snapshot's identity, which functools' caches cannot
    check, and an entry is bounded like the kept reads (all dropped when full)."""

    def __init__(self) -> None:
        self._answers: dict[tuple[object, ...], _Answer] = {}

    def of(self, centre: CentreView, request: _StayRequest) -> _Answer:
        today = local_today(request.now, centre.time_zone)
        key = (
            id(centre),
            today,
            request.arrival,
            request.departure,
            request.guests,
            request.category,
            request.unit_type_code,
        )
        answer = self._answers.get(key)
        if answer is None or answer.centre is not centre:
            stay, season_of_night, fitting = _fitting(centre, request, today)
            answer = _Answer(centre, request, stay, season_of_night, fitting, [t.id for t in fitting])
            if len(self._answers) >= changes.KEPT_READS:
                self._answers.clear()
            self._answers[key] = answer
        return answer


_ANSWERS = _Answers()


async def _taken_now(
    session: AsyncSession, type_ids: list[int], stay: Stay, now: datetime
) -> repo.TakenWithVersion | changes.Kept:
    """The nights taken of these types for the stay, with the inventory version: as read a moment ago
    while nothing has changed since (``inventory.changes``), else from the database."""
    heard = changes.heard(session.get_bind())
    key = (tuple(type_ids), stay.arrival, stay.departure)
    if (kept := heard.recall(key, now)) is not None:
        return kept
    stamp = heard.stamp(key)
    read = await repo.taken_nights_with_version(session, type_ids, stay.arrival, stay.departure, now)
    heard.keep(key, stamp, read.version, read.taken, now, read.first_lapse)
    return read


@dataclass(frozen=True, slots=True)
class _StayRequest:
    centre_code: str
    arrival: date
    departure: date
    guests: int
    category: str
    now: datetime
    unit_type_code: str | None


def _fitting(
    centre: CentreView, request: _StayRequest, today: date | None = None
) -> tuple[Stay, dict[date, SeasonRule], list[UnitTypeView]]:
    """The stay checked against the centre's rules, the season of each night and the types that fit."""
    today = today or local_today(request.now, centre.time_zone)
    stay = check_dates(request.arrival, request.departure, request.guests, today)
    season_of_night = dict(zip(stay.nights, direct_booking_seasons(stay, centre.seasons), strict=True))
    fitting = [t for t in centre.unit_types if t.capacity >= request.guests]
    if request.unit_type_code is not None:
        fitting = [t for t in fitting if t.code == request.unit_type_code]
    return stay, season_of_night, fitting


async def _search(
    session: AsyncSession,
    centre: CentreView,
    request: _StayRequest,
    taken: dict[int, list[TakenNight]] | None = None,
) -> StaySearch:
    stay, season_of_night, fitting = _fitting(centre, request)
    if taken is None:
        taken = await repo.taken_nights(
            session, [t.id for t in fitting], stay.arrival, stay.departure, request.now
        )
    return _offers(centre, request, stay, season_of_night, fitting, taken)


def _offers(
    centre: CentreView,
    request: _StayRequest,
    stay: Stay,
    season_of_night: dict[date, SeasonRule],
    fitting: list[UnitTypeView],
    taken: dict[int, list[TakenNight]],
) -> StaySearch:
    category = request.category
    offers = []
    for unit_type in fitting:
        nightly = _nightly(centre, unit_type, category, season_of_night)
        if nightly is None:
            continue
        type_taken = taken.get(unit_type.id, [])
        free = free_units(unit_type.unit_ids, stay.nights, type_taken, centre.closures)
        room = quota_room(
            {
                night: centre.quotas.get((s.id, unit_type.id, category))
                for night, s in season_of_night.items()
            },
            len(unit_type.unit_ids),
            category,
            type_taken,
        )
        offers.append(TypeOffer(unit_type, available_units(len(free), room), free, nightly))
    return StaySearch(centre, stay, offers)


def _nightly(
    centre: CentreView, unit_type: UnitTypeView, category: str, season_of_night: dict[date, SeasonRule]
) -> list[tuple[date, Money]] | None:
    prices = {
        night: centre.tariffs[key]
        for night, season in season_of_night.items()
        if (key := (season.id, unit_type.id, category)) in centre.tariffs
    }
    return nightly_prices(list(season_of_night), prices)
