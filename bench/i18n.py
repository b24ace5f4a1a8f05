"""Words and formats: what a catalogue costs to load, what one message, amount or date costs, and a page
fragment of search results rendered in each language (the _search.html lines with their plurals, money
and promotion), against the same fragment with the words fixed in the template.

uv run python -m bench.i18n [--count 20000]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from estivage.web.templating import environment
from kernel import i18n
from kernel.money import Money

OFFER = (
    "{% for n in offers %}<p>{% trans num=n %}up to {{ num }} person{% pluralize %}up to {{ num }} persons"
    "{% endtrans %} · {% trans num=n %}{{ num }} night{% pluralize %}{{ num }} nights{% endtrans %}</p>"
    '<p>{{ _("Total") }} <strong>{{ money(total) }}</strong> · {{ span(first, last) }}</p>{% endfor %}'
)
FIXED = (
    "{% for n in offers %}<p>up to {{ n }} persons · {{ n }} nights</p>"
    "<p>Total <strong>{{ total }}</strong> · {{ first }} {{ last }}</p>{% endfor %}"
)


def per_call(label: str, count: int, call: object) -> None:
    assert callable(call)
    started = time.perf_counter()
    for _ in range(count):
        call()
    print(f"{label:<44} {(time.perf_counter() - started) / count * 1e6:8.1f} µs")


def main(count: int) -> None:
    started = time.perf_counter()
    for locale in i18n.LOCALES:
        i18n.catalogue(locale)
    print(
        f"{'both catalogues loaded (once per process)':<44} {(time.perf_counter() - started) * 1e3:8.1f} ms"
    )
    ar = i18n.translator("ar")
    moment = datetime(2026, 12, 20, 13, tzinfo=ZoneInfo("UTC"))
    per_call("gettext", count, lambda: ar.gettext("Gate pass"))
    per_call("ngettext with its number", count, lambda: ar.ngettext("%(num)s night", "%(num)s nights", 11))
    per_call("money", count, lambda: ar.money(Money(129_200, "MAD")))
    per_call("day", count, lambda: ar.day(date(2026, 12, 20)))
    per_call("span of two days", count, lambda: ar.span(date(2026, 12, 20), date(2026, 12, 24)))
    per_call("moment in Casablanca", count, lambda: ar.moment(moment))
    values = {"offers": [2, 4, 6] * 4, "total": Money(129_200, "MAD"), "first": date(2026, 12, 20)}
    values["last"] = date(2026, 12, 24)
    env = environment()
    translated, fixed = env.from_string(OFFER), env.from_string(FIXED)
    renders = max(count // 20, 1)
    for locale in i18n.LOCALES:
        page = {**values, "lang": locale}
        per_call(f"12 offers, translated ({locale})", renders, lambda page=page: translated.render(page))
    per_call("12 offers, words fixed in the template", renders, lambda: fixed.render(lang="fr", **values))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    main(parser.parse_args().count)
