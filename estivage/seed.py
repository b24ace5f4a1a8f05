"""`estivage seed-demo`: the four demo centres, a year of seasons, tariffs, quotas and demo accounts.

Idempotent: every object has a natural key (code, number, username) and is created only when absent,
so running it twice changes nothing. Real centres are configured by staff, never hard-coded elsewhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Member, User
from accounts.passwords import hash_password
from booking.campaigns import commands as campaign_commands
from booking.campaigns.models import Campaign
from booking.campaigns.services import create_campaign
from booking.models import Promotion
from inventory.models import Centre, Quota, Rotation, Season, Tariff, Unit, UnitType
from kernel.uow import UnitOfWork

DEMO_PASSWORD = "estivage-demo"  # noqa: S105 - the documented password of demo data only
MEMBER_COUNT = 500


@dataclass(frozen=True)
class _TypeSpec:
    code: str
    name_fr: str
    name_ar: str
    capacity: int
    units: int
    nightly_active: int  # off-season, MAD
    description: str


@dataclass(frozen=True)
class _CentreSpec:
    code: str
    name_fr: str
    name_ar: str
    town_fr: str
    town_ar: str
    description: str
    types: tuple[_TypeSpec, ...]
    place: _PlaceSpec


@dataclass(frozen=True)
class _PlaceSpec:
    """Where the centre is and what it offers, in both languages (the demo photos are drawn stand-ins)."""

    description_ar: str
    address_fr: str
    address_ar: str
    latitude: float
    longitude: float
    amenities: tuple[str, ...]


CENTRES = (
    _CentreSpec(
        "ifrane",
        "Al Arz",
        "الأرز",
        "Ifrane",
        "إفران",
        "Montagne, Moyen Atlas; ouvert hors saison (hiver, printemps).",
        (
            _TypeSpec("studio", "Studio", "استوديو", 2, 12, 250, "Studio pour deux personnes"),
            _TypeSpec("apt2", "Appartement deux pièces", "شقة من غرفتين", 5, 20, 380, "Séjour et chambre"),
            _TypeSpec("bungalow", "Bungalow", "بنغالو", 6, 3, 520, "Bungalow avec cheminée"),
        ),
        _PlaceSpec(
            "جبل، الأطلس المتوسط؛ مفتوح خارج الموسم (الشتاء والربيع).",
            "Avenue des Cèdres, 53000 Ifrane",
            "شارع الأرز، 53000 إفران",
            33.5228,
            -5.1106,
            ("fireplace", "heating", "playground", "parking", "wifi"),
        ),
    ),
    _CentreSpec(
        "sidi-bouzid",
        "Asianda",
        "أسياندا",
        "Sidi Bouzid, El Jadida",
        "سيدي بوزيد، الجديدة",
        "Mer; ouvert hors saison.",
        (
            _TypeSpec("studio", "Studio", "استوديو", 3, 10, 230, "Studio vue mer"),
            _TypeSpec("apt2", "Appartement deux pièces", "شقة من غرفتين", 5, 24, 360, "Appartement familial"),
            _TypeSpec("villa", "Villa", "فيلا", 8, 2, 700, "Villa avec jardin"),
        ),
        _PlaceSpec(
            "بحر؛ مفتوح خارج الموسم.",
            "Route de Sidi Bouzid, 24000 El Jadida",
            "طريق سيدي بوزيد، 24000 الجديدة",
            33.2316,
            -8.5510,
            ("beach", "playground", "restaurant", "parking"),
        ),
    ),
    _CentreSpec(
        "saidia",
        "Saïdia",
        "السعيدية",
        "Saïdia",
        "السعيدية",
        "Méditerranée; centre d'estivage et club sportif.",
        (
            _TypeSpec("room", "Chambre", "غرفة", 2, 16, 200, "Chambre double"),
            _TypeSpec("apt2", "Appartement deux pièces", "شقة من غرفتين", 5, 30, 350, "Appartement familial"),
            _TypeSpec("bungalow", "Bungalow", "بنغالو", 6, 4, 480, "Bungalow près de la plage"),
        ),
        _PlaceSpec(
            "البحر الأبيض المتوسط؛ مركز اصطياف ونادٍ رياضي.",
            "Boulevard de la Méditerranée, 63600 Saïdia",
            "شارع البحر الأبيض المتوسط، 63600 السعيدية",
            35.0857,
            -2.2392,
            ("beach", "pool", "sports", "restaurant", "air_conditioning", "parking"),
        ),
    ),
    _CentreSpec(
        "mdiq",
        "M'diq",
        "المضيق",
        "M'diq",
        "المضيق",
        "Méditerranée.",
        (
            _TypeSpec("studio", "Studio", "استوديو", 3, 8, 240, "Studio"),
            _TypeSpec("apt2", "Appartement deux pièces", "شقة من غرفتين", 5, 18, 370, "Appartement familial"),
            _TypeSpec("apt3", "Appartement trois pièces", "شقة من ثلاث غرف", 7, 3, 520, "Grand appartement"),
        ),
        _PlaceSpec(
            "البحر الأبيض المتوسط.",
            "Corniche, 93200 M'diq",
            "الكورنيش، 93200 المضيق",
            35.6858,
            -5.3253,
            ("beach", "mosque", "wifi", "parking"),
        ),
    ),
)

# Retired members pay less (social pricing); summer costs more than off-season.
RETIRED_BP = 8000
SUMMER_BP = 12000
OFF_SEASON_POLICY = [{"days_before": 7, "refund_bp": 10000}, {"days_before": 1, "refund_bp": 5000}]
SUMMER_POLICY = [{"days_before": 30, "refund_bp": 10000}, {"days_before": 7, "refund_bp": 5000}]

_FIRST = [
    ("Ahmed", "أحمد"),
    ("Fatima", "فاطمة"),
    ("Mohamed", "محمد"),
    ("Khadija", "خديجة"),
    ("Youssef", "يوسف"),
    ("Amina", "أمينة"),
    ("Hassan", "حسن"),
    ("Naima", "نعيمة"),
    ("Rachid", "رشيد"),
    ("Samira", "سميرة"),
    ("Omar", "عمر"),
    ("Latifa", "لطيفة"),
    ("Karim", "كريم"),
    ("Zineb", "زينب"),
    ("Abdellah", "عبد الله"),
]
_LAST = [
    ("Benali", "بنعلي"),
    ("El Idrissi", "الإدريسي"),
    ("Alaoui", "العلوي"),
    ("Bennani", "بناني"),
    ("Tazi", "التازي"),
    ("Berrada", "برادة"),
    ("Chraibi", "الشرايبي"),
    ("El Fassi", "الفاسي"),
    ("Amrani", "العمراني"),
    ("Ouazzani", "الوزاني"),
    ("Lahlou", "لحلو"),
    ("Sebti", "السبتي"),
]


def season_plan(today: date) -> list[Season]:
    """Off-season periods and the next summer, so that the coming twelve months are all configured."""
    summer_year = today.year if today < date(today.year, 7, 1) else today.year + 1
    off = {"min_nights": 2, "max_nights": 14, "cancellation_policy": OFF_SEASON_POLICY}
    summer = Season(
        code=f"summer-{summer_year}",
        name_fr=f"Été {summer_year}",
        name_ar=f"صيف {summer_year}",
        kind="summer",
        starts_on=date(summer_year, 7, 1),
        ends_on=date(summer_year, 9, 1),
        min_nights=10,
        max_nights=10,
        cancellation_policy=SUMMER_POLICY,
        rotations=[
            Rotation(
                code=f"r{i + 1}",
                starts_on=date.fromordinal(date(summer_year, 7, 1).toordinal() + 10 * i),
                ends_on=date.fromordinal(date(summer_year, 7, 1).toordinal() + 10 * (i + 1)),
            )
            for i in range(6)
        ],
    )
    return [
        Season(
            code=f"off-{summer_year - 1}-{summer_year}",
            name_fr=f"Hors saison {summer_year - 1}-{summer_year}",
            name_ar=f"خارج الفترة الصيفية {summer_year - 1}-{summer_year}",
            kind="off_season",
            starts_on=date(summer_year - 1, 9, 1),
            ends_on=date(summer_year, 7, 1),
            **off,
        ),
        summer,
        Season(
            code=f"off-{summer_year}-{summer_year + 1}",
            name_fr=f"Hors saison {summer_year}-{summer_year + 1}",
            name_ar=f"خارج الفترة الصيفية {summer_year}-{summer_year + 1}",
            kind="off_season",
            starts_on=date(summer_year, 9, 1),
            ends_on=date(summer_year + 1, 7, 1),
            **off,
        ),
    ]


def _mdiq_winters(today: date, centre: Centre) -> list[Season]:
    """M'diq closes in winter: its own closed seasons win over the foundation-wide off-season."""
    first = today.year if today < date(today.year, 4, 1) else today.year + 1
    return [
        Season(
            code=f"mdiq-winter-{y}",
            name_fr=f"Fermeture hiver {y}",
            name_ar=f"إغلاق شتاء {y}",
            kind="closed",
            centre_id=centre.id,
            starts_on=date(y - 1, 11, 1),
            ends_on=date(y, 3, 1),
        )
        for y in (first, first + 1)
    ]


async def _seed_centre(session: AsyncSession, spec: _CentreSpec) -> Centre:
    centre = await session.scalar(select(Centre).where(Centre.code == spec.code))
    if centre is not None:
        return centre
    centre = Centre(
        code=spec.code,
        name_fr=spec.name_fr,
        name_ar=spec.name_ar,
        town_fr=spec.town_fr,
        town_ar=spec.town_ar,
        description=spec.description,
        description_ar=spec.place.description_ar,
        address_fr=spec.place.address_fr,
        address_ar=spec.place.address_ar,
        latitude=spec.place.latitude,
        longitude=spec.place.longitude,
        photos=[f"{spec.code}-1.jpg", f"{spec.code}-2.jpg"],
        amenities=list(spec.place.amenities),
        unit_types=[],
    )
    session.add(centre)
    await session.flush()
    prefix = spec.code[0].upper()
    number = 100
    for type_spec in spec.types:
        unit_type = UnitType(
            centre_id=centre.id,
            code=type_spec.code,
            name_fr=type_spec.name_fr,
            name_ar=type_spec.name_ar,
            capacity=type_spec.capacity,
            description=type_spec.description,
        )
        session.add(unit_type)
        await session.flush()
        for _ in range(type_spec.units):
            number += 1
            session.add(Unit(centre_id=centre.id, unit_type_id=unit_type.id, number=f"{prefix}{number}"))
    await session.flush()
    return centre


async def _seed_seasons(session: AsyncSession, seasons: list[Season]) -> None:
    for season in seasons:
        if await session.scalar(select(Season.id).where(Season.code == season.code)) is None:
            session.add(season)
    await session.flush()


async def _seed_prices_and_quotas(session: AsyncSession) -> None:
    seasons = list(
        await session.scalars(select(Season).where(Season.kind != "closed", Season.centre_id.is_(None)))
    )
    have_tariffs = {(t.season_id, t.unit_type_id, t.category) for t in await session.scalars(select(Tariff))}
    have_quotas = {(q.season_id, q.unit_type_id, q.category) for q in await session.scalars(select(Quota))}
    nightly = {(c.code, t.code): t.nightly_active for c in CENTRES for t in c.types}
    rows = await session.execute(select(UnitType, Centre.code).join(Centre, Centre.id == UnitType.centre_id))
    for unit_type, centre_code in rows.tuples():
        base = nightly.get((centre_code, unit_type.code), 300) * 100
        for season in seasons:
            season_base = base * SUMMER_BP // 10000 if season.kind == "summer" else base
            for category, price in (("active", season_base), ("retired", season_base * RETIRED_BP // 10000)):
                if (season.id, unit_type.id, category) not in have_tariffs:
                    session.add(
                        Tariff(
                            season_id=season.id,
                            unit_type_id=unit_type.id,
                            category=category,
                            nightly_minor=price,
                        )
                    )
            # Summer: 70% of each type for active members, 30% for retired ones; off-season: retired
            # members may take at most half of a type (the rest is for everyone).
            shares = {"active": 7000, "retired": 3000} if season.kind == "summer" else {"retired": 5000}
            for category, share in shares.items():
                if (season.id, unit_type.id, category) not in have_quotas:
                    session.add(
                        Quota(
                            season_id=season.id, unit_type_id=unit_type.id, category=category, share_bp=share
                        )
                    )
    await session.flush()


async def _seed_accounts(session: AsyncSession, now: datetime) -> None:
    existing = set(await session.scalars(select(User.username)))
    # One hash for every demo account: they share the password anyway, and hashing 500 times with
    # argon2 would make seeding take half a minute.
    password_hash = hash_password(DEMO_PASSWORD)
    rng = random.Random(20260701)
    for i in range(1, MEMBER_COUNT + 1):
        username = f"M{i:04d}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        retired = i % 5 == 0
        member = Member(
            member_number=username,
            first_name=first[0],
            last_name=last[0],
            first_name_ar=first[1],
            last_name_ar=last[1],
            category="retired" if retired else "active",
            salary_scale=rng.randint(5, 11),
            family_size=rng.randint(1, 7),
            email=f"{username.lower()}@members.estivage.example",
            phone=f"+2126{rng.randint(10000000, 99999999)}",
            preferred_language="ar" if i % 2 else "fr",
            last_summer_stay_year=rng.choice([None, now.year - 1, now.year - 2, now.year - 3, now.year - 5]),
            # Not drawn from ``rng``: the draws above stay what they were before members had one.
            birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        )
        if username not in existing:
            session.add(
                User(
                    username=username,
                    password_hash=password_hash,
                    role="member",
                    display_name=f"{first[0]} {last[0]}",
                    created_at=now,
                    member=member,
                )
            )
    centres = {c.code: c for c in await session.scalars(select(Centre))}
    for spec in CENTRES:
        username = f"manager-{spec.code}"
        if username not in existing:
            session.add(
                User(
                    username=username,
                    password_hash=password_hash,
                    role="manager",
                    display_name=f"Gestionnaire {spec.name_fr}",
                    created_at=now,
                    centres=[centres[spec.code]],
                )
            )
    if "staff" not in existing:
        session.add(
            User(
                username="staff",
                password_hash=password_hash,
                role="staff",
                display_name="Siège — service des estivages",
                created_at=now,
            )
        )
    await session.flush()


def demo_promotions(today: date) -> list[Promotion]:
    """Three off-season promotions of the kinds staff use: automatic percentage, stay N pay M, a code."""
    winter = today.year if today.month < 9 else today.year + 1
    return [
        Promotion(
            name="Hiver à Ifrane -15%",
            kind="percentage",
            percent_bp=1500,
            centres=["ifrane"],
            stay_from=date(winter - 1, 12, 1),
            stay_until=date(winter, 2, 28),
            min_nights=3,
            unit_types=[],
            categories=[],
            arrival_weekdays=[],
            lock_version=0,
        ),
        Promotion(
            name="Printemps à Asianda : 7 nuits pour 6",
            kind="stay_pay",
            stay_nights=7,
            pay_nights=6,
            centres=["sidi-bouzid"],
            stay_from=date(winter, 3, 1),
            stay_until=date(winter, 6, 30),
            unit_types=[],
            categories=[],
            arrival_weekdays=[],
            min_nights=7,
            lock_version=0,
        ),
        Promotion(
            name="Code Saïdia -10%",
            code="SAIDIA10",
            kind="percentage",
            percent_bp=1000,
            centres=["saidia"],
            max_uses=100,
            max_uses_per_member=1,
            budget_minor=5_000_000,
            unit_types=[],
            categories=[],
            arrival_weekdays=[],
            min_nights=2,
            lock_version=0,
        ),
    ]


async def _seed_promotions(session: AsyncSession, today: date) -> None:
    existing = set(await session.scalars(select(Promotion.name)))
    session.add_all(p for p in demo_promotions(today) if p.name not in existing)
    await session.flush()


async def seed_demo(session: AsyncSession, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    today = now.date()
    for spec in CENTRES:
        await _seed_centre(session, spec)
    await _seed_seasons(session, season_plan(today))
    mdiq = await session.scalar(select(Centre).where(Centre.code == "mdiq"))
    if mdiq is not None:
        await _seed_seasons(session, _mdiq_winters(today, mdiq))
    await _seed_prices_and_quotas(session)
    await _seed_promotions(session, today)
    await _seed_accounts(session, now)
    await session.commit()


async def seed_demo_campaign(session: AsyncSession, now: datetime | None = None) -> str | None:
    """The coming summer's allocation campaign, open for applications, so the demo shows the whole path.

    Kept out of `seed_demo` on purpose: the tests' template database has no campaign, so each campaign
    test sets up its own. Applications close two months before the summer (never in the past).
    Returns the campaign code, or None when there is nothing to open (no future summer, or already open).
    """
    now = now or datetime.now(UTC)
    summer = await session.scalar(
        select(Season)
        .where(Season.kind == "summer", Season.centre_id.is_(None), Season.starts_on > now.date())
        .order_by(Season.starts_on)
    )
    if summer is None or await session.scalar(select(Campaign.id).where(Campaign.season_id == summer.id)):
        return None
    closes = datetime.combine(summer.starts_on - timedelta(days=60), time(23, 59), tzinfo=UTC)
    await create_campaign(  # a use case: it commits
        UnitOfWork(session),
        campaign_commands.CampaignIn(
            season=summer.code,
            applications_close_at=max(closes, now + timedelta(days=7)),
            reserved_percent={"retired": 30},
        ),
        now,
    )
    return summer.code
