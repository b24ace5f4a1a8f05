"""The staff forms as the API's bodies: a new promotion (PromotionIn), a promotion's changes
(PromotionPatch, a cap emptied being lifted), a new season (SeasonIn). Values are read as people type
them (percent and MAD, not basis points and centimes); a blank field is "not given"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from booking import commands as c
from estivage.web import error_words as words
from estivage.web.forms import FieldError, codes, day_of, hundredths, whole
from inventory.commands import SeasonIn
from kernel.money import decimal_text

# A form's values by name; a field sent several times (checkboxes) joined with commas.
FormValues = dict[str, str]
LISTS = ("centres", "unit_types", "categories", "arrival_weekdays")
PROMOTION_FIELDS = (
    "name", "kind", "percent", "amount", "stay_nights", "pay_nights", "code", *LISTS,
    "stay_from", "stay_until", "book_from", "book_until", "min_nights", "max_uses", "max_uses_per_member",
    "budget", "exclusive",
)  # fmt: skip
# The edit form: every condition but the code (which members may have been given); `conditions` marks a
# form that shows the lists, so that none ticked means "all" rather than "not sent".
PROMOTION_EDIT_FIELDS = (*(f for f in PROMOTION_FIELDS if f != "code"), "conditions")
CAPS = ("max_uses", "max_uses_per_member", "budget")  # the caps an edit may empty ("no limit")
BOUNDS = ("stay_from", "stay_until", "book_from", "book_until")  # the dates an edit may empty ("open")
SEASON_FIELDS = (
    "code", "name_fr", "name_ar", "kind", "centre", "starts_on", "ends_on", "min_nights", "max_nights",
    "arrival_weekdays",
)  # fmt: skip
WEEKDAYS = range(1, 8)


def form_values(form: Any, fields: tuple[str, ...]) -> FormValues:
    """The named fields of a posted form (a Litestar FormMultiDict), lists joined with commas."""
    return {
        k: ",".join(str(v) for v in form.getall(k, [])) if k in LISTS else str(form.get(k) or "")
        for k in fields
    }


def _decimal(minor: int | None) -> str:
    """A field's value as ``hundredths`` reads it back (a machine format, not the pages' money words)."""
    return "" if minor is None else decimal_text(minor)


def promotion_values(promotion: Any) -> FormValues:
    """A stored promotion (``booking.models.Promotion``) as its edit form shows it: percent and MAD."""
    p = promotion
    return {
        "name": p.name,
        "kind": p.kind,
        "percent": _decimal(p.percent_bp),
        "amount": _decimal(p.amount_minor),
        "stay_nights": "" if p.stay_nights is None else str(p.stay_nights),
        "pay_nights": "" if p.pay_nights is None else str(p.pay_nights),
        **{name: ",".join(str(x) for x in getattr(p, name)) for name in LISTS},
        **{name: "" if getattr(p, name) is None else getattr(p, name).isoformat() for name in BOUNDS},
        "min_nights": str(p.min_nights),
        "max_uses": "" if p.max_uses is None else str(p.max_uses),
        "max_uses_per_member": "" if p.max_uses_per_member is None else str(p.max_uses_per_member),
        "budget": _decimal(p.budget_minor),
        "exclusive": "on" if p.exclusive else "",
    }


def weekdays(form: Mapping[str, str]) -> list[int]:
    days = []
    for text in codes(form, "arrival_weekdays"):
        if not text.isdigit() or int(text) not in WEEKDAYS:
            raise FieldError("arrival_weekdays", words.NOT_A_CHOICE)
        days.append(int(text))
    return days


def _numbers(form: Mapping[str, str], data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if (number := whole(form, name)) is not None:
            data[name] = number


def _days(form: Mapping[str, str], data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if (when := day_of(form, name)) is not None:
            data[name] = when.isoformat()


def _money(form: Mapping[str, str], data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if (minor := hundredths(form, name)) is not None:
            data[name] = {"amount_minor": minor}


def promotion_in(form: Mapping[str, str]) -> c.PromotionIn:
    """A new promotion; empty lists mean "any" (centre, unit type, category, weekday)."""
    data: dict[str, Any] = {"name": form.get("name", "").strip(), "kind": form.get("kind", "")}
    if (percent := hundredths(form, "percent")) is not None:
        data["percent_bp"] = percent
    _money(form, data, ("amount", "budget"))
    _numbers(form, data, ("stay_nights", "pay_nights", "min_nights", "max_uses", "max_uses_per_member"))
    _days(form, data, ("stay_from", "stay_until", "book_from", "book_until"))
    if form.get("code", "").strip():
        data["code"] = form["code"].strip()
    for name in ("centres", "unit_types", "categories"):
        data[name] = codes(form, name)
    data["arrival_weekdays"] = weekdays(form)
    data["exclusive"] = form.get("exclusive") == "on"
    return msgspec.convert(data, c.PromotionIn)


def promotion_patch(form: Mapping[str, str]) -> c.PromotionPatch:
    """The edit form as a PromotionPatch held to a new promotion's limits (the patch schema has the same
    ones, but a Struct built by its constructor is not validated); the form shows each cap's and each
    date's value, so one left blank is cleared ("no limit", "open")."""
    data: dict[str, Any] = {"exclusive": form.get("exclusive") == "on"}
    if name := form.get("name", "").strip():
        data["name"] = name
    if kind := form.get("kind", "").strip():
        data["kind"] = kind
    if (percent := hundredths(form, "percent")) is not None:
        data["percent_bp"] = percent
    _money(form, data, ("amount", "budget"))
    _numbers(form, data, ("max_uses", "max_uses_per_member", "stay_nights", "pay_nights", "min_nights"))
    _days(form, data, BOUNDS)
    if form.get("conditions"):
        for name in ("centres", "unit_types", "categories"):
            data[name] = codes(form, name)
        data["arrival_weekdays"] = weekdays(form)
    limits = {k: v for k, v in data.items() if k in {"name", "amount", *CAPS}}
    msgspec.convert({"name": "-", "kind": "percentage", "percent_bp": 1, **limits}, c.PromotionIn)
    data["clear"] = [name for name in (*CAPS, *BOUNDS) if name in form and not form[name].strip()]
    return msgspec.convert(data, c.PromotionPatch)


def season_in(form: Mapping[str, str]) -> SeasonIn:
    """A new season: for every centre unless one is chosen; arrivals any day unless days are ticked."""
    data: dict[str, Any] = {
        k: form.get(k, "").strip() for k in ("code", "name_fr", "name_ar", "kind") if form.get(k, "").strip()
    }
    if centre := form.get("centre", "").strip():
        data["centre"] = centre
    _days(form, data, ("starts_on", "ends_on"))
    _numbers(form, data, ("min_nights", "max_nights"))
    if days := weekdays(form):
        data["arrival_weekdays"] = days
    return msgspec.convert(data, SeasonIn)
