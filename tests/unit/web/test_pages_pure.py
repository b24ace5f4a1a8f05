"""The pages' pure parts: the templates' words, money and dates in the page's language (each render in
its own, from one shared environment); problems by their code; the occupancy chart's geometry."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from booking.domain import states
from booking.domain.promotions import PromotionKind
from estivage.web import names
from estivage.web.common import safe_next
from estivage.web.error_words import error_text
from estivage.web.manager import chart, nice_top
from estivage.web.templating import environment
from inventory.domain.calendar import SeasonKind
from inventory.occupancy import NightOccupancy
from kernel.errors import Conflict
from kernel.i18n import translator
from kernel.money import Money
from payments.late_money import NOTICE_CODES

PAGE = (
    '{{ _("Find a stay") }} · {{ pgettext("button", "Book") }} · '
    "{% trans num=n %}{{ num }} night{% pluralize %}{{ num }} nights{% endtrans %} · "
    "{{ money(total) }} · {{ money(12500) }} · {{ span(first, last) }} · {{ moment(at) }} · "
    "{{ status_name(status) }}"
)


def render(lang: str, **values: object) -> str:
    return environment().from_string(PAGE).render(lang=lang, **values)


def test_one_environment_renders_each_page_in_its_own_language() -> None:
    values = {
        "n": 2,
        "total": Money(129_200, "MAD"),
        "first": date(2026, 12, 20),
        "last": date(2026, 12, 24),
        "at": datetime(2026, 12, 20, 13, 0, tzinfo=UTC),
        "status": "held",
    }
    assert render("fr", **values) == (
        "Rechercher un séjour · Réserver · 2 nuits · 1\u202f292,00\u00a0MAD · 125,00\u00a0MAD · "
        "<bdi>20–24 déc. 2026</bdi> · 20 déc. 2026, 14:00 · En attente de paiement"
    )
    assert render("ar", **values) == (
        "البحث عن إقامة · احجز · ليلتان · \u200f1.292,00\u00a0د.م.\u200f · \u200f125,00\u00a0د.م.\u200f · "
        "<bdi>20–24 دجنبر 2026</bdi> · 20 دجنبر 2026، 14:00 · في انتظار الدفع"
    )


def test_values_put_into_words_are_escaped_the_words_are_not() -> None:
    page = environment().from_string('{{ _("Keep %(unit)s", unit=unit) }} {{ _("Discount (%%)") }}')
    assert page.render(lang="fr", unit="<b>") == "Garder &lt;b&gt; Remise (%)"


def test_every_status_kind_and_notice_a_page_shows_by_code_has_its_words() -> None:
    statuses = {
        state for transition in states._TRANSITIONS.items() for state in (transition[0][0], transition[1])
    }
    assert set(names.BOOKING_STATUS) == statuses
    assert set(names.SEASON_KIND) == set(SeasonKind)
    assert set(names.PROMOTION_KIND) == set(PromotionKind)
    assert set(names.NOTICE) == set(NOTICE_CODES)
    assert names.category_name("ar", "retired") == "متقاعدون"
    assert names.category_name("ar", "new_category") == "new_category"


def test_a_problem_reads_by_its_code_and_an_unknown_code_by_the_apis_detail() -> None:
    assert error_text("ar", Conflict("sold_out", "detail")) == translator("ar").gettext(
        "No unit of this type is left for these dates."
    )
    assert error_text("ar", Conflict("brand_new_code", "the API's detail")) == "the API's detail"


def test_next_is_only_a_path_of_this_site() -> None:
    assert safe_next("/bookings?x=1") == "/bookings?x=1"
    assert safe_next("//evil.example/") == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil.example") == "/"


def test_chart_scales_units_and_persons_each_on_its_own_labelled_axis() -> None:
    nights = [
        NightOccupancy(date(2026, 12, 20), 10, 5, 12),
        NightOccupancy(date(2026, 12, 21), 10, 10, 24),
        NightOccupancy(date(2026, 12, 22), 8, 0, 0),
    ]
    drawn = chart(nights, width=300, height=120)
    plot_height = drawn.base - drawn.top
    assert (drawn.top, drawn.base) == (14, 76)
    # Units from 0 to 10 on the left (ticks every 5), persons from 0 to 30 on the right (every 10).
    assert [t.value for t in drawn.units_ticks] == [0, 5, 10]
    assert [t.value for t in drawn.persons_ticks] == [0, 10, 20, 30]
    assert [t.y for t in drawn.units_ticks] == [76, 45, 14]
    assert [t.y for t in drawn.persons_ticks] == [
        76,
        round(76 - plot_height / 3, 1),
        round(76 - 2 * plot_height / 3, 1),
        14,
    ]
    assert [b.capacity_h for b in drawn.bars] == [plot_height, plot_height, round(plot_height * 0.8, 1)]
    assert [b.units_h for b in drawn.bars] == [plot_height / 2, plot_height, 0]
    ys = [float(point.split(",")[1]) for point in drawn.persons_points.split()]
    assert ys == [round(76 - plot_height * 12 / 30, 1), round(76 - plot_height * 24 / 30, 1), 76]
    assert [label.text for label in drawn.x_labels] == ["20/12", "21/12", "22/12"]
    assert drawn.max_persons == 24


def test_an_axis_top_is_a_round_number_at_or_above_the_peak() -> None:
    assert nice_top(0) == (1, 1)
    assert nice_top(3) == (3, 1)
    assert nice_top(10) == (10, 5)
    assert nice_top(24) == (30, 10)
    assert nice_top(137) == (150, 50)
    assert chart([]).bars == []


def test_every_scrolling_region_of_the_templates_can_be_reached_by_keyboard() -> None:
    """A table wider than a phone scrolls inside its `.scroll` box; a box that takes no focus cannot be
    scrolled without a mouse (axe: scrollable-region-focusable), so each one says tabindex="0"."""
    templates = Path(__file__).resolve().parents[3] / "estivage" / "web" / "templates"
    boxes = [
        f"{path.name}: {tag}"
        for path in sorted(templates.glob("*.html"))
        for tag in re.findall(r"<[a-z]+ [^>]*class=\"[^\"]*\bscroll\b[^\"]*\"[^>]*>", path.read_text())
    ]
    assert boxes
    assert [box for box in boxes if 'tabindex="0"' not in box] == []
