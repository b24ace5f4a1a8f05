"""The pages' Jinja environment: words through Jinja's i18n extension, numbers, money and dates through
Babel (``kernel.i18n``), all in the language of the page being rendered.

The gettext callables are installed once, when the environment is built, and read the page's language
from the render's context (``lang``): one shared environment serves concurrent requests in different
languages with no per-request state to set and reset. They are "newstyle" (Jinja wraps them): a
message's words are trusted, the values put into it are escaped, and every message is %-formatted, so a
template writes ``_("Discount (%%)")`` and ``_("Persons (at most %(peak)s)", peak=n)``; plurals are
``{% trans count=n %}…{% pluralize %}…{% endtrans %}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from estivage.web.names import (
    AGE_BAND,
    AUDIT_KIND,
    BOOKING_STATUS,
    NOTICE,
    PROMOTION_KIND,
    RELATION,
    SEASON_KIND,
    SUBJECT_KIND,
    named,
)
from kernel.i18n import AUTONYM, DEFAULT_LOCALE, Amount, Translator, catalogue, translator
from kernel.money import Money

TEMPLATES = Path(__file__).parent / "templates"
FOUNDATION_CURRENCY = "MAD"  # a bare number of minor units on a page is an amount in dirhams


def _language(context: Context) -> str:
    return str(context.get("lang") or DEFAULT_LOCALE)


def _of_page(context: Context) -> Translator:
    return translator(_language(context))


# The raw lookups: Jinja's newstyle wrappers escape and format around them.
@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(catalogue(_language(context)).gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(catalogue(_language(context)).ngettext(singular, plural, n))


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return str(catalogue(_language(context)).pgettext(message_context, message))


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, n: int) -> str:
    return str(catalogue(_language(context)).npgettext(message_context, singular, plural, n))


@pass_context
def money(context: Context, value: Amount | int, currency: str = FOUNDATION_CURRENCY) -> str:
    amount = Money(value, currency) if isinstance(value, int) else value
    return _of_page(context).money(amount)


@pass_context
def number(context: Context, value: int | float | Decimal, decimals: int | None = None) -> str:
    return _of_page(context).number(value, decimals)


@pass_context
def percent(context: Context, ratio: float, decimals: int = 0) -> str:
    return _of_page(context).percent(ratio, decimals)


@pass_context
def day(context: Context, value: date | None) -> str:
    return "" if value is None else _of_page(context).day(value)


@pass_context
def month(context: Context, value: date) -> str:
    """A month by name: a payroll deduction's."""
    return _of_page(context).month(value)


@pass_context
def span(context: Context, first: date, last: date) -> Markup:
    """A stay's or a season's days as one isolated span, so it reads whole in a right-to-left line."""
    return Markup("<bdi>{}</bdi>").format(_of_page(context).span(first, last))


@pass_context
def clock(context: Context, value: datetime) -> str:
    return _of_page(context).time(value)


@pass_context
def hour(context: Context, value: time) -> str:
    """A time of day with no date: a centre's arrival or departure time."""
    return _of_page(context).hour(value)


@pass_context
def moment(context: Context, value: datetime) -> str:
    return _of_page(context).moment(value)


@pass_context
def weekday(context: Context, iso_day: int) -> str:
    return _of_page(context).weekday(iso_day)


def _by_name(table: Mapping[str, str]) -> Callable[..., str]:
    @pass_context
    def name(context: Context, code: str) -> str:
        return named(_of_page(context), table, code)

    return name


@pass_context
def notice(context: Context, code: str, **values: Any) -> str:
    """A booking's notice to its member by the notice's stable code (``booking.member_notice_code``)."""
    words = NOTICE.get(code)
    return code if words is None else _of_page(context).gettext(words, **values)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not in its msgid
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True
    )
    env.globals.update(
        money=money,
        number=number,
        percent=percent,
        day=day,
        month=month,
        span=span,
        clock=clock,
        hour=hour,
        moment=moment,
        weekday=weekday,
        notice=notice,
        status_name=_by_name(BOOKING_STATUS),
        season_kind_name=_by_name(SEASON_KIND),
        promotion_kind_name=_by_name(PROMOTION_KIND),
        relation_name=_by_name(RELATION),
        age_band_name=_by_name(AGE_BAND),
        audit_kind_name=_by_name(AUDIT_KIND),
        subject_kind_name=_by_name(SUBJECT_KIND),
        autonym=AUTONYM,
    )
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
