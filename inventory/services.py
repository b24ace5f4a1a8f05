"""Availability: what a member can book at a centre for a stay, with the price of their tariff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inventory import repository as repo
from inventory.domain.availability import available_units, free_units, nightly_prices, quota_room
from inventory.domain.calendar import Stay, check_dates, direct_booking_seasons, local_today
from inventory.domain.money import Money
from inventory.models import Centre, UnitType


@dataclass(frozen=True, slots=True)
class TypeOffer:
    """One unit type of a centre as the member can take it for the stay."""

    unit_type: UnitType
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
    centre: Centre
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
) -> StaySearch:
    """Every unit type that fits the party, with how many units the member's category can still take
    for the whole stay and its nightly tariff. Types with no tariff for the category are not offered."""
    centre = await repo.centre_by_code(session, centre_code)
    stay = check_dates(arrival, departure, guests, local_today(now, centre.time_zone))
    seasons = await repo.seasons_for(session, centre, stay.arrival, stay.departure)
    season_of_night = dict(
        zip(stay.nights, direct_booking_seasons(stay, [repo.season_rule(s) for s in seasons]), strict=True)
    )
    fitting = [t for t in centre.unit_types if t.capacity >= guests]
    type_ids = [t.id for t in fitting]
    season_ids = sorted({s.id for s in season_of_night.values()})
    units = await repo.units_by_type(session, centre)
    closed = await repo.closures_between(session, centre, stay.arrival, stay.departure)
    taken = await repo.taken_nights(session, type_ids, stay.arrival, stay.departure, now)
    quotas = await repo.quotas_for(session, season_ids, type_ids, category)
    tariffs = await repo.tariffs_for(session, season_ids, type_ids, category)
    offers = []
    for unit_type in fitting:
        prices = {
            night: tariffs[key]
            for night, season in season_of_night.items()
            if (key := (season.id, unit_type.id)) in tariffs
        }
        nightly = nightly_prices(stay.nights, prices)
        if nightly is None:
            continue
        type_units = units.get(unit_type.id, [])
        free = free_units(type_units, stay.nights, taken.get(unit_type.id, []), closed)
        room = quota_room(
            {night: quotas.get((season.id, unit_type.id)) for night, season in season_of_night.items()},
            len(type_units),
            category,
            taken.get(unit_type.id, []),
        )
        offers.append(TypeOffer(unit_type, available_units(len(free), room), free, nightly))
    return StaySearch(centre, stay, offers)
