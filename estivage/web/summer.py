"""Members' summer page: each campaign with its deadline, the application (up to three ranked choices and
the party) edited or withdrawn until the deadline, then the draw's result — an offer to pay or decline,
the waiting-list places, or a lapse — and the published files that let anyone check the draw.

It calls the campaign services and views that the JSON API calls (docs/allocation.md, section 7); what
the page adds is only the labels (centre and unit type names, rotation dates) and the offer's price.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_member
from booking.campaigns import commands as cmd
from booking.campaigns import schemas as s
from booking.campaigns import services, settle, views
from booking.campaigns.models import Campaign
from booking.domain.allocation import MAX_CHOICES
from booking.domain.campaign_states import ApplicationStatus, CampaignStatus, OfferStatus
from booking.models import Booking
from estivage.problems import status_of
from estivage.web import error_words as words
from estivage.web.common import Errors, form_errors, language, page, parse_int
from estivage.web.error_words import error_text
from estivage.web.flash import say
from estivage.web.summer_guide import PARTS, Guide, Slot
from inventory.models import Rotation
from inventory.snapshot import CentreView, centre_view
from kernel.codes import ErrorCode
from kernel.errors import DomainError, NotFound
from kernel.i18n import N_, Translator, translator
from kernel.uow import UnitOfWork

CHOICE_PARTS = PARTS
FIELDS = ("party_size", *(f"choices[{i}].{part}" for i in range(MAX_CHOICES) for part in CHOICE_PARTS))
MAX_PARTY = 50  # as the API's ApplicationIn
LOCAL_ZONE = "Africa/Casablanca"  # the foundation's deadlines are read in Moroccan time
REFRESH = "refresh"  # the form's "show the matching choices" step: nothing is saved
SAVED = N_("Your application is saved.")
WITHDRAWN = N_("Your application is withdrawn.")
DECLINED = N_("You declined the offer; the unit goes to the next in line.")


@dataclass(frozen=True, slots=True)
class SlotLine:
    """A (centre, rotation, unit type) as a member reads it."""

    centre: str
    rotation: str
    first: date | None
    last: date | None
    unit_type: str
    units: int
    capacity: int


@dataclass(frozen=True, slots=True)
class OfferLine:
    offer: s.OfferOut
    slot: SlotLine
    booking: Booking | None
    pay_before: datetime  # in the centre's time zone


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """One ranked choice's three selects: the options each offers, given the parts chosen before it."""

    index: int
    centres: list[tuple[str, str]]
    rotations: list[tuple[str, str]]  # empty until a centre is chosen
    unit_types: list[tuple[str, str]]  # empty until a rotation is chosen


@dataclass
class CampaignPage:
    """One campaign on the member's page: the form while applications are open, the result after."""

    campaign: Campaign
    accepting: bool
    closes_at: datetime  # local time
    slots: list[SlotLine]
    labels: Labels
    offered: list[Slot]
    application: s.ApplicationOut | None
    choices: list[SlotLine]
    offer: OfferLine | None
    waiting: list[tuple[SlotLine, int]]
    values: dict[str, str] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    def guide(self) -> Guide:
        """The choices the form offers, for the party size on the form (all while it is not a size)."""
        text = self.values.get("party_size", "").strip()
        party = int(text) if text.isdigit() and 1 <= int(text) <= MAX_PARTY else None
        return Guide(self.offered, party, self.labels.rotations)

    def narrow(self) -> None:
        guide = self.guide()
        for i in range(MAX_CHOICES):
            key = f"choices[{i}]"
            kept = guide.narrow({part: self.values.get(f"{key}.{part}", "") for part in PARTS})
            self.values.update({f"{key}.{part}": value for part, value in kept.items()})

    @property
    def rows(self) -> list[ChoiceRow]:
        """The three choices' selects, each offering only what the parts chosen before it allow."""
        guide = self.guide()
        return [self.labels.row(guide, i, self.values) for i in range(MAX_CHOICES)]

    @property
    def by_centre(self) -> list[tuple[str, list[tuple[SlotLine, list[SlotLine]]]]]:
        """The units offered, centre by centre and rotation by rotation (a short list on a phone)."""
        grouped: dict[str, dict[str, list[SlotLine]]] = {}
        for line in sorted(self.slots, key=lambda x: x.first or date.min):
            grouped.setdefault(line.centre, {}).setdefault(line.rotation, []).append(line)
        return [
            (centre, [(lines[0], lines) for lines in rotations.values()])
            for centre, rotations in grouped.items()
        ]

    @property
    def seed(self) -> str | None:
        """The opening seed once the draw revealed it; before, the campaign's secret (never on a page)."""
        return self.campaign.seed_hex if self.campaign.status == CampaignStatus.DRAWN else None

    @property
    def close_seed(self) -> str | None:
        """The close seed once the draw revealed it (none for a campaign closed before it existed)."""
        return self.campaign.close_seed_hex if self.campaign.status == CampaignStatus.DRAWN else None


class Labels:
    """Names and dates of a campaign's centres, rotations and unit types in the page's language."""

    def __init__(
        self, campaign: Campaign, centres: dict[str, CentreView], rotations: dict[str, Rotation], lang: str
    ) -> None:
        self.campaign, self.centres, self.rotations, self.lang = campaign, centres, rotations, lang
        self.supply = {(x["centre"], x["rotation"], x["unit_type"]): x for x in campaign.slots}

    def centre(self, code: str) -> str:
        view = self.centres.get(code)
        return code if view is None else (view.name_ar if self.lang == "ar" else view.name_fr)

    def unit_type(self, centre: str, code: str) -> str:
        view = self.centres.get(centre)
        for unit_type in view.unit_types if view else ():
            if unit_type.code == code:
                return unit_type.name_ar if self.lang == "ar" else unit_type.name_fr
        return code

    def slot(self, centre: str, rotation: str, unit_type: str) -> SlotLine:
        supply = self.supply.get((centre, rotation, unit_type), {})
        dates = self.rotations.get(rotation)
        return SlotLine(
            self.centre(centre),
            rotation,
            dates.starts_on if dates else None,
            dates.ends_on if dates else None,
            self.unit_type(centre, unit_type),
            int(supply.get("units", 0)),
            int(supply.get("capacity", 0)),
        )

    def dates(self, rotation: str) -> str:
        found = self.rotations.get(rotation)
        return rotation if found is None else translator(self.lang).span(found.starts_on, found.ends_on)

    def row(self, guide: Guide, index: int, values: dict[str, str]) -> ChoiceRow:
        """A choice's options; a value sent that they do not hold is kept (selected, with its problem
        next to it) so that the member sees what was refused."""
        key = f"choices[{index}]"
        centre, rotation, unit_type = (values.get(f"{key}.{part}", "") for part in PARTS)
        words = translator(self.lang)
        centres = [(c, self.centre(c)) for c in guide.centres()]
        rotations = [(r, self.dates(r)) for r in guide.rotations(centre)] if centre else []
        unit_types = [
            (x.unit_type, f"{self.unit_type(centre, x.unit_type)} · {_persons(words, {x.capacity})}")
            for x in guide.unit_types(centre, rotation)
        ]
        for options, value, text in (
            (centres, centre, self.centre(centre)),
            (rotations, rotation, self.dates(rotation)),
            (unit_types, unit_type, self.unit_type(centre, unit_type)),
        ):
            if value and value not in {code for code, _text in options}:
                options.append((value, text))
        return ChoiceRow(index, centres, rotations, unit_types)

    def offered(self) -> list[Slot]:
        return [
            Slot(c, r, t, int(x["units"]), int(x["capacity"]))
            for (c, r, t), x in self.supply.items()
            if x["units"] > 0
        ]


def _persons(words: Translator, capacities: set[int]) -> str:
    """ "up to 4 persons", or "up to 2–4 persons" when the type's units differ."""
    shown = "–".join(str(n) for n in sorted({min(capacities), max(capacities)}))
    return words.ngettext("up to %(num)s person", "up to %(num)s persons", max(capacities), num=shown)


def form_values(application: s.ApplicationOut | None) -> dict[str, str]:
    """The form as the member left it: their current choices, or empty."""
    values = dict.fromkeys(FIELDS, "")
    if application is not None and application.status == ApplicationStatus.SUBMITTED:
        values["party_size"] = str(application.party_size)
        for i, choice in enumerate(application.choices):
            for part in CHOICE_PARTS:
                values[f"choices[{i}].{part}"] = getattr(choice, part)
    return values


def parse_application(
    values: dict[str, str], errors: Errors, lang: str
) -> tuple[cmd.ApplicationIn | None, list[int]]:
    """The application the form describes, and the form row of each choice (blank rows are skipped)."""
    party = parse_int(values["party_size"], "party_size", errors, lang)
    if party is not None and not 1 <= party <= MAX_PARTY:
        errors["party_size"] = translator(lang).gettext(words.INVALID)
    choices, rows = [], []
    for row in range(MAX_CHOICES):
        parts = {part: values[f"choices[{row}].{part}"].strip() for part in CHOICE_PARTS}
        if not any(parts.values()):
            continue
        for part, value in parts.items():
            if not value:
                errors[f"choices[{row}].{part}"] = translator(lang).gettext(words.REQUIRED)
        choices.append(cmd.ChoiceIn(**parts))
        rows.append(row)
    if errors or party is None:
        return None, rows
    return cmd.ApplicationIn(choices=choices, party_size=party), rows


def on_form_rows(errors: Errors, rows: list[int]) -> Errors:
    """The service names `choices[i]` among the choices given; the page shows it on the form's row."""

    def row_of(found: re.Match[str]) -> str:
        index = int(found.group(1))
        return f"choices[{rows[index] if index < len(rows) else index}]"

    return {
        re.sub(r"^choices\[(\d+)\]", row_of, key) if key else "application": v for key, v in errors.items()
    }


def each_choice_checked(campaign: Campaign, data: cmd.ApplicationIn, rows: list[int], lang: str) -> Errors:
    """Every choice held to the campaign's rules on its own (the service stops at the first problem),
    so that each refused choice has its problem next to its select."""
    errors: Errors = {}
    for index, choice in enumerate(data.choices):
        try:
            services.checked_choices(
                campaign, cmd.ApplicationIn(choices=[choice], party_size=data.party_size)
            )
        except DomainError as error:
            found = {error.field or "": error_text(lang, error)}
            errors.update(on_form_rows(found, [rows[index]]))
    return errors


async def campaign_page(
    session: AsyncSession, identity: Identity, campaign: Campaign, now: datetime, lang: str
) -> CampaignPage:
    codes = list(dict.fromkeys(x["centre"] for x in campaign.slots))
    centres = {code: await centre_view(session, code) for code in codes}
    rotations = {r.code: r for r in await services.rotations_of(session, campaign.season_id)}
    labels = Labels(campaign, centres, rotations, lang)
    own = await services.own_application(session, campaign, identity.user_id)
    application = None if own is None else await views.application_out(session, campaign, own, now)
    offer = None
    if application is not None and application.offer is not None:
        found = application.offer
        booking = await session.get(Booking, found.booking_id) if found.booking_id else None
        zone = centres[found.centre].time_zone if found.centre in centres else LOCAL_ZONE
        offer = OfferLine(
            found,
            labels.slot(found.centre, found.rotation, found.unit_type),
            booking,
            found.payment_deadline.astimezone(ZoneInfo(zone)),
        )
    return CampaignPage(
        campaign=campaign,
        accepting=campaign.status == CampaignStatus.OPEN and now < campaign.applications_close_at,
        closes_at=campaign.applications_close_at.astimezone(ZoneInfo(LOCAL_ZONE)),
        slots=[
            labels.slot(x["centre"], x["rotation"], x["unit_type"]) for x in campaign.slots if x["units"] > 0
        ],
        labels=labels,
        offered=labels.offered(),
        application=application,
        choices=[labels.slot(c.centre, c.rotation, c.unit_type) for c in application.choices]
        if application
        else [],
        offer=offer,
        waiting=[
            (labels.slot(w.centre, w.rotation, w.unit_type), w.position) for w in application.waiting or ()
        ]
        if application
        else [],
        values=form_values(application),
    )


class SummerPages(Controller):
    path = "/summer"
    guards = [requires_member]
    include_in_schema = False

    async def _page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        posted: tuple[str, dict[str, str], Errors] | None = None,
        status_code: int = 200,
        narrow: bool = False,
    ) -> Template:
        """Every campaign, newest first; `posted` puts a refused form back (code, values, errors), or,
        to `narrow`, the form of the "show the matching choices" step with what it no longer allows
        emptied."""
        lang = language(request)
        campaigns = [
            await campaign_page(session, request.user, c, now, lang)
            for c in await services.all_campaigns(session)
        ]
        for shown in campaigns:
            if posted is not None and shown.campaign.code == posted[0]:
                shown.values.update(posted[1])
                shown.errors = posted[2]
                if narrow:
                    shown.narrow()
        return page(request, "summer.html", status_code=status_code, campaigns=campaigns)

    @get("/")
    async def summer(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._page(request, db_session, now)

    @post("/{code:str}/application", status_code=303)
    async def apply(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in FIELDS}
        if form.get("step") == REFRESH:
            return await self._page(request, db_session, now, (code, values, {}), narrow=True)
        errors: Errors = {}
        lang = language(request)
        data, rows = parse_application(values, errors, lang)
        status = 422
        if data is not None:
            campaign = await services.campaign_by_code(db_session, code)
            errors = each_choice_checked(campaign, data, rows, lang)
        if data is not None and not errors:
            try:
                await services.apply(uow, request.user, code, data, now)
                say(request, SAVED)
                return Redirect(f"/summer#campaign-{code}", status_code=303)
            except DomainError as error:
                if isinstance(error, NotFound):
                    raise
                errors, status = on_form_rows(form_errors(request, error), rows), status_of(error)
        return await self._page(request, db_session, now, (code, values, errors), status)

    @post("/{code:str}/withdraw", status_code=303)
    async def withdraw(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> Response[Any]:
        withdrawn = services.withdraw(uow, request.user, code, now)
        return await self._answer(request, db_session, now, code, withdrawn, "application", WITHDRAWN)

    async def _answer(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        code: str,
        step: Awaitable[object],
        field: str,
        done: str,
    ) -> Response[Any]:
        """The member's answer to a campaign (withdraw an application, decline an offer), ``step`` awaited
        here: the campaign's place on the summer page with ``done`` said once, or the page again with the
        refusal at ``field`` (a 404 stays a 404)."""
        try:
            await step
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            errors = {field: next(iter(form_errors(request, error).values()))}
            return await self._page(request, session, now, (code, {}, errors), status_of(error))
        say(request, done)
        return Redirect(f"/summer#campaign-{code}", status_code=303)

    async def _open_offer(
        self, request: Request[Identity, Any, Any], session: AsyncSession, now: datetime, code: str
    ) -> CampaignPage:
        campaign = await services.campaign_by_code(session, code)
        shown = await campaign_page(session, request.user, campaign, now, language(request))
        if shown.offer is None or shown.offer.offer.status != OfferStatus.OFFERED:
            raise NotFound(ErrorCode.OFFER_NOT_FOUND, f"you hold no open offer in {code}")
        return shown

    @get("/{code:str}/decline")
    async def decline_form(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> Template:
        shown = await self._open_offer(request, db_session, now, code)
        return page(request, "summer_decline.html", shown=shown, offer=shown.offer)

    @post("/{code:str}/decline", status_code=303)
    async def decline(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        code: FromPath[str],
    ) -> Response[Any]:
        declined = settle.decline(uow, request.user, code, now)
        return await self._answer(request, db_session, now, code, declined, "decline", DECLINED)
