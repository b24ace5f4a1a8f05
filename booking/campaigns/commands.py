"""What the use cases of this package are asked: validated msgspec structs shared by the JSON API, the
pages and the commands (services take these, never an HTTP schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from kernel.structs import Category, Code

Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]


# An instant with its offset: a naive one is refused as bad input (comparing it with the clock would fail).
Instant = Annotated[datetime, msgspec.Meta(tz=True)]


# A campaign offers at least one centre (left out: every centre).
Centres = Annotated[list[Code], msgspec.Meta(min_length=1)]
Weight = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class WeightsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The score weights (booking.domain.allocation.score); any left out keep their default."""

    points_per_year_without_stay: Weight | None = None
    max_years_counted: Weight | None = None
    points_if_retired: Weight | None = None
    points_per_family_member: Weight | None = None
    max_family_members_counted: Weight | None = None
    points_per_scale_step: Weight | None = None
    reference_salary_scale: Weight | None = None


# How long a summer offer stays open when staff do not say (the API's and the staff page's default).
OFFER_VALIDITY_HOURS = 72


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new summer campaign for a season: the applications deadline, how long an offer stays open, quotas
    per category, score weights and centres."""

    season: Annotated[str, msgspec.Meta(min_length=1, max_length=48)]
    applications_close_at: Instant
    offer_validity_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = OFFER_VALIDITY_HOURS
    reserved_percent: dict[Category, Percent] = msgspec.field(default_factory=dict)
    weights: WeightsIn | None = None
    centres: Centres | None = None


class CampaignPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a campaign before its applications close; a field left out is unchanged."""

    applications_close_at: Instant | None = None
    offer_validity_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] | None = None
    reserved_percent: dict[Category, Percent] | None = None
    weights: WeightsIn | None = None
    centres: Centres | None = None


class ChoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    """One ranked choice: a centre, one of its rotations and a unit type."""

    centre: Code
    rotation: Code
    unit_type: Code


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A summer application: its choices, the first preferred, and the size of the party."""

    choices: list[ChoiceIn]
    party_size: Annotated[int, msgspec.Meta(ge=1, le=50)]
