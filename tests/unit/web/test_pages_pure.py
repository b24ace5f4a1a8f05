"""The pages' pure parts: every word a template asks for exists in both languages; the occupancy chart's
geometry; money and date ranges that read right to left."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from estivage.web.common import money, safe_next, span
from estivage.web.i18n import CATALOGUE, choose_language, error_text, translate
from estivage.web.manager import chart
from inventory.occupancy import NightOccupancy
from kernel.errors import Conflict
from payments.services import NOTICE_CODES

TEMPLATES = Path(__file__).resolve().parents[3] / "estivage" / "web" / "templates"
# Keys built in templates from a value (status.<status>, lang.<code>, notice.<booking's notice code>…).
DYNAMIC = {
    "status.": ["held", "confirmed", "cancelled", "expired", "checked_in", "completed", "no_show"],
    "lang.": ["ar", "fr"],
    "promo.kind.": ["percentage", "fixed", "stay_pay"],
    "weekday.": [str(d) for d in range(1, 8)],
    "season.kind.": ["summer", "off_season", "closed"],
    "notice.": list(NOTICE_CODES),
}


def test_every_key_the_templates_use_has_french_and_arabic() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", text))
        for prefix in re.findall(r"""\bt\(["']([a-z_.]+\.)["'] ~""", text):
            used |= {prefix + value for value in DYNAMIC[prefix]}
    assert len(used) > 80
    missing = sorted(key for key in used if key not in CATALOGUE)
    assert missing == []
    assert [key for key in used if not all(CATALOGUE[key])] == []
    arabic = re.compile(r"[\u0600-\u06ff]")
    assert [key for key in used if not arabic.search(CATALOGUE[key][1]) and key != "lang.fr"] == []


def test_language_choice_cookie_then_browser_then_french() -> None:
    assert choose_language("ar", "fr-FR") == "ar"
    assert choose_language(None, "ar-MA,fr;q=0.8") == "ar"
    assert choose_language("xx", "en") == "fr"
    assert translate("ar", "no.such.key") == "no.such.key"
    assert error_text("ar", Conflict("sold_out", "detail")) == translate("ar", "error.sold_out")
    assert error_text("ar", Conflict("brand_new_code", "the API's detail")) == "the API's detail"


def test_money_keeps_its_digits_together_right_to_left() -> None:
    assert money(129_200, "ar") == "1\u00a0292.00 درهم"
    assert money(129_200, "fr") == "1\u00a0292.00 MAD"
    assert str(span(date(2026, 12, 20), date(2026, 12, 24), "rtl")) == (
        "<bdi>20/12/2026</bdi> ← <bdi>24/12/2026</bdi>"
    )


def test_next_is_only_a_path_of_this_site() -> None:
    assert safe_next("/bookings?x=1") == "/bookings?x=1"
    assert safe_next("//evil.example/") == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil.example") == "/"


def test_chart_scales_units_to_capacity_and_persons_to_their_peak() -> None:
    nights = [
        NightOccupancy(date(2026, 12, 20), 10, 5, 12),
        NightOccupancy(date(2026, 12, 21), 10, 10, 24),
        NightOccupancy(date(2026, 12, 22), 8, 0, 0),
    ]
    drawn = chart(nights, width=300, height=120)
    plot_height = 120 - 10 - 24
    assert [b.capacity_h for b in drawn.bars] == [plot_height, plot_height, round(plot_height * 0.8, 1)]
    assert [b.units_h for b in drawn.bars] == [plot_height / 2, plot_height, 0]
    ys = [float(point.split(",")[1]) for point in drawn.persons_points.split()]
    assert ys == [10 + plot_height / 2, 10, 10 + plot_height]  # the peak at the top, none at the bottom
    assert drawn.max_persons == 24
    assert chart([]).bars == []
