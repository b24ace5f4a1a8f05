"""Every message the code and the templates show has its French and its Arabic: the messages are extracted
the way `make translations` extracts them (Babel, with babel.cfg), and each must be translated in both
catalogues, in every plural form, not fuzzy, with the parameters its msgid names; the committed .mo files
are what the .po files compile to."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages import extract, frontend
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from kernel.i18n import CATALOGUES, DOMAIN, LOCALES

ROOT = Path(__file__).resolve().parents[3]
Key = tuple[str | None, str]  # (context, msgid); a plural message by its singular


@cache
def extracted() -> dict[Key, str]:
    """Every message of the code and the templates, with where it was found."""
    with (ROOT / "babel.cfg").open() as mapping:
        methods, options = frontend.parse_mapping_cfg(mapping, "babel.cfg")  # type: ignore[no-untyped-call]
    found: dict[Key, str] = {}
    for path, line, message, _comments, context in extract.extract_from_dir(
        ROOT, methods, options, keywords=extract.DEFAULT_KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((context, msgid), f"{path}:{line}")
    return found


@cache
def catalogue(locale: str) -> Catalog:
    with (CATALOGUES / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=locale)


def untranslated(catalog: Catalog, wanted: Iterable[Key]) -> list[Key]:
    """The messages with no translation in the catalogue: absent, empty (in any plural form), or fuzzy."""
    missing = []
    for context, msgid in wanted:
        entry = catalog.get(msgid, context)
        forms = (
            entry.string
            if entry is not None and isinstance(entry.string, tuple)
            else (entry and entry.string,)
        )
        if entry is None or entry.fuzzy or not all(forms) or len(forms) not in {1, catalog.num_plurals}:
            missing.append((context, msgid))
    return missing


def test_the_extraction_finds_the_templates_and_the_python_messages() -> None:
    where = list(extracted().values())
    assert sum(".html:" in w for w in where) > 150
    assert any(w.startswith("estivage/web/error_words.py") for w in where)
    assert (None, "%(num)s night") in extracted()  # a {% trans %} block's plural
    assert ("menu", "Book") in extracted()  # a pgettext


def test_every_message_has_french_and_arabic() -> None:
    for locale in LOCALES:
        missing = {key: extracted()[key] for key in untranslated(catalogue(locale), extracted())}
        assert missing == {}, f"no {locale} translation (run `make translations`, then translate)"


def test_the_check_finds_a_message_left_untranslated_or_fuzzy() -> None:
    catalog = read_po(io.BytesIO((CATALOGUES / "ar/LC_MESSAGES/messages.po").read_bytes()), locale="ar")
    catalog["Gate pass"].string = ""
    catalog["Dashboard"].flags.add("fuzzy")
    nights = catalog["%(num)s night"]
    assert isinstance(nights.string, tuple)
    nights.string = (*nights.string[:5], "")
    wanted = [(None, "Gate pass"), (None, "Dashboard"), (None, "%(num)s night"), (None, "Dates")]
    assert untranslated(catalog, wanted) == wanted[:3]
    assert untranslated(catalog, [(None, "Brand new words")]) == [(None, "Brand new words")]


def test_the_catalogues_hold_no_message_the_code_no_longer_shows() -> None:
    for locale in LOCALES:
        stale = [(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue(locale) if m.id]
        assert sorted(set(stale) - set(extracted()), key=str) == [], locale


def test_translations_name_only_the_parameters_their_message_gives() -> None:
    for locale in LOCALES:
        problems = [(m.id, errors) for m, errors in catalogue(locale).check()]
        assert problems == [], locale
    misspelt = read_po(io.BytesIO((CATALOGUES / "fr/LC_MESSAGES/messages.po").read_bytes()), locale="fr")
    misspelt["At least %(limit)s."].string = "Au moins %(limt)s."
    assert [m.id for m, _errors in misspelt.check()] == ["At least %(limit)s."]


def test_plural_forms_are_cldrs_six_in_arabic() -> None:
    assert catalogue("ar").num_plurals == 6
    assert catalogue("ar").plural_expr.startswith("(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 :")
    assert catalogue("fr").plural_expr.startswith("(n == 0 || n == 1) ? 0")


def test_the_committed_mo_files_are_the_po_files_compiled() -> None:
    for locale in LOCALES:
        compiled = io.BytesIO()
        write_mo(compiled, catalogue(locale))
        compiled.seek(0)
        committed = (CATALOGUES / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").read_bytes()
        fresh = Translations(compiled, domain=DOMAIN)
        shipped = Translations(io.BytesIO(committed), domain=DOMAIN)
        assert fresh._catalog == shipped._catalog, f"{locale}: run `make translations`"
