"""What the use cases of this package are asked: validated msgspec structs shared by the JSON API, the
pages and the commands (services take these, never an HTTP schema)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from kernel.structs import Code, MoneyIn

PromoCode = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


# A member number as the roster keys members (HR/payroll's own numbers).
MemberNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$")]


class CompanionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A person of the party besides the member (``booking.domain.party``)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    relation: Literal["spouse", "child", "parent", "sibling", "other"]
    age_band: Annotated[
        Literal["adult", "teen", "child", "infant"],
        msgspec.Meta(description="adult: 18 and over; teen: 12 to 17; child: 2 to 11; infant: under 2"),
    ]


Party = Annotated[
    list[CompanionIn],
    msgspec.Meta(
        max_length=49,
        description=(
            "The people staying with the member, the member not included: the guests are the member and "
            "these (a hold's party must count its guests)."
        ),
    ),
]


class HoldIn(msgspec.Struct, forbid_unknown_fields=True):
    centre: Code
    unit_type: Code
    arrival: date
    departure: date
    guests: Annotated[int, msgspec.Meta(ge=1, le=50)]
    promo_code: PromoCode | None = None
    member: Annotated[
        MemberNumber | None,
        msgspec.Meta(description="Staff only: the member number of the member the hold is made for"),
    ] = None
    party: Party | None = None


class PartyIn(msgspec.Struct, forbid_unknown_fields=True):
    party: Party


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class BookingPolicyIO(msgspec.Struct, forbid_unknown_fields=True):
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=240)]
    max_open_holds: Annotated[int, msgspec.Meta(ge=1, le=10)]
    max_off_season_nights_per_year: Annotated[int, msgspec.Meta(ge=1, le=366)]
    credit_max_instalments: Annotated[int, msgspec.Meta(ge=1, le=24)] = 10
    credit_min_instalment: MoneyIn = msgspec.field(default_factory=lambda: MoneyIn(amount_minor=20_000))
    credit_categories: list[Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z_]*$")]] = msgspec.field(
        default_factory=lambda: ["active"]
    )
    # Whole days after the arrival day before the worker records an unclaimed stay as a no-show.
    no_show_grace_days: Annotated[int, msgspec.Meta(ge=0, le=30)] = 1


PromotionKind = Literal["percentage", "fixed", "stay_pay"]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7)]


# A count of uses: at least one, and within a 32-bit integer column on every database.
Uses = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]


class PromotionIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    kind: PromotionKind
    percent_bp: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None
    amount: MoneyIn | None = None
    stay_nights: Annotated[int, msgspec.Meta(ge=2, le=60)] | None = None
    pay_nights: Annotated[int, msgspec.Meta(ge=1, le=59)] | None = None
    code: PromoCode | None = None
    centres: list[Code] = msgspec.field(default_factory=list)
    unit_types: list[Code] = msgspec.field(default_factory=list)
    categories: list[str] = msgspec.field(default_factory=list)
    arrival_weekdays: list[Weekday] = msgspec.field(default_factory=list)
    stay_from: date | None = None
    stay_until: date | None = None
    book_from: date | None = None
    book_until: date | None = None
    min_nights: Annotated[int, msgspec.Meta(ge=1, le=60)] = 1
    exclusive: bool = False
    paused: bool = False
    max_uses: Uses | None = None
    max_uses_per_member: Uses | None = None
    budget: MoneyIn | None = None


# The caps of a promotion that a change may lift ("no limit"), and the date bounds it may drop.
Cap = Literal["max_uses", "max_uses_per_member", "budget"]
Clearable = Literal[
    "max_uses", "max_uses_per_member", "budget", "stay_from", "stay_until", "book_from", "book_until"
]


class PromotionPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The same limits as PromotionIn: a change is validated as strictly as a creation."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    paused: bool | None = None
    exclusive: bool | None = None
    max_uses: Uses | None = None
    max_uses_per_member: Uses | None = None
    budget: MoneyIn | None = None
    book_until: date | None = None
    stay_until: date | None = None
    # The promotion's conditions; each left out (or null) is unchanged. A new kind drops the figures of
    # the old one that the patch does not give again; the result is held to a new promotion's rules.
    kind: PromotionKind | None = None
    percent_bp: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None
    amount: MoneyIn | None = None
    stay_nights: Annotated[int, msgspec.Meta(ge=2, le=60)] | None = None
    pay_nights: Annotated[int, msgspec.Meta(ge=1, le=59)] | None = None
    centres: Annotated[list[Code] | None, msgspec.Meta(description="[] for every centre")] = None
    unit_types: Annotated[list[Code] | None, msgspec.Meta(description="[] for every unit type")] = None
    categories: Annotated[list[str] | None, msgspec.Meta(description="[] for every category")] = None
    arrival_weekdays: Annotated[list[Weekday] | None, msgspec.Meta(description="[] for any day")] = None
    stay_from: date | None = None
    book_from: date | None = None
    min_nights: Annotated[int, msgspec.Meta(ge=1, le=60)] | None = None
    clear: Annotated[
        list[Clearable],
        msgspec.Meta(
            description=(
                "Caps to lift (no limit from now on) and date bounds to drop (open from then on): one "
                "left out, or null, is unchanged. One may not be both set and cleared in one patch (422 "
                "naming it)."
            )
        ),
    ] = msgspec.field(default_factory=list)


class CheckInIn(msgspec.Struct, forbid_unknown_fields=True):
    """At the desk: the unit the party gets, when it is not the one booked (a free unit of its type)."""

    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None


class EndEarlyIn(msgspec.Struct, forbid_unknown_fields=True):
    """Staff end a stay early: what is given back (none, the unused nights' share, all, or an amount)."""

    refund: Literal["none", "unused_nights", "full", "amount"]
    amount: MoneyIn | None = None
