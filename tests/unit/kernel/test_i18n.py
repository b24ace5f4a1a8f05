"""What a family reads in each language: plural forms as Arabic and French say them (Arabic's six), money
and dates as Moroccans write them, and the page's language chosen in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kernel.i18n import negotiate_locale, translator
from kernel.money import Money

NIGHTS = ("%(num)s night", "%(num)s nights")


@pytest.mark.parametrize(
    ("n", "arabic"),
    [
        (0, "0 ليلة"),  # zero
        (1, "ليلة واحدة"),  # one: the noun alone, "one" after it
        (2, "ليلتان"),  # two: the dual, no figure
        (3, "3 ليال"),  # few (3–10): the plural
        (10, "10 ليال"),
        (11, "11 ليلة"),  # many (11–99): the singular
        (99, "99 ليلة"),
        (100, "100 ليلة"),  # other
        (103, "103 ليال"),  # 103 counts as 3
        (111, "111 ليلة"),  # …and 111 as 11
    ],
)
def test_nights_in_arabic_take_the_form_their_number_asks_for(n: int, arabic: str) -> None:
    assert translator("ar").ngettext(*NIGHTS, n) == arabic


def test_nights_in_french_are_singular_up_to_one() -> None:
    french = translator("fr")
    assert [french.ngettext(*NIGHTS, n) for n in (0, 1, 2, 14)] == ["0 nuit", "1 nuit", "2 nuits", "14 nuits"]


def test_a_stay_too_short_says_two_nights_with_the_dual_in_arabic() -> None:
    words = ("In this season, a stay lasts at least %(min_nights)s night.", "… nights.")
    arabic = translator("ar")
    assert arabic.ngettext(*words, 2, min_nights=2) == "في هذا الموسم، تدوم الإقامة ليلتين على الأقل."
    assert arabic.ngettext(*words, 3, min_nights=3) == "في هذا الموسم، تدوم الإقامة 3 ليال على الأقل."
    assert (
        translator("fr").ngettext(*words, 1, min_nights=1)
        == "En cette saison, un séjour dure au moins 1 nuit."
    )


def test_a_word_with_two_meanings_is_told_apart_by_its_context() -> None:
    arabic = translator("ar")
    assert arabic.pgettext("menu", "Book") == "حجز"  # the page: booking
    assert arabic.pgettext("button", "Book") == "احجز"  # the button: book!


def test_a_message_without_translation_reads_as_its_english_and_params_fill_in() -> None:
    assert translator("ar").gettext("Not in any catalogue") == "Not in any catalogue"
    assert translator("fr").gettext("At least %(limit)s.", limit="0,01") == "Au moins 0,01."


def test_dirhams_read_as_moroccans_write_them_in_each_language() -> None:
    assert translator("fr").money(Money(125_000, "MAD")) == "1\u202f250,00\u00a0MAD"
    # Latin digits, "." between thousands, "," before centimes, the dirham's Arabic abbreviation; the
    # right-to-left marks keep the amount whole in an Arabic line.
    assert translator("ar").money(Money(125_000, "MAD")) == "\u200f1.250,00\u00a0د.م.\u200f"
    assert translator("fr").money(Money(5, "MAD")) == "0,05\u00a0MAD"


def test_an_amount_keeps_its_own_currency_and_decimals() -> None:
    assert translator("fr").money(Money(1250, "EUR")) == "12,50\u00a0€"
    assert translator("fr").money(Money(1250, "JPY")) == "1\u202f250\u00a0JPY"  # yen: no minor unit


def test_days_have_their_month_by_name_moroccan_months_in_arabic() -> None:
    assert translator("fr").day(date(2027, 8, 1)) == "1 août 2027"
    assert translator("ar").day(date(2027, 8, 1)) == "1 غشت 2027"
    assert translator("ar").weekday(5) == "الجمعة"
    assert translator("fr").join(["vendredi", "samedi"]) == "vendredi et samedi"


def test_a_payroll_month_reads_by_its_whole_name_moroccan_in_arabic() -> None:
    assert translator("fr").month(date(2026, 12, 1)) == "décembre 2026"
    assert translator("ar").month(date(2027, 8, 1)) == "غشت 2027"


def test_a_stay_reads_as_one_span_of_days() -> None:
    assert translator("fr").span(date(2026, 12, 20), date(2026, 12, 24)) == "20–24 déc. 2026"
    assert translator("ar").span(date(2027, 7, 1), date(2027, 7, 11)) == "1–11 يوليوز 2027"
    over_new_year = translator("fr").span(date(2026, 12, 28), date(2027, 1, 3))
    assert over_new_year == "28 déc. 2026\u2009–\u20093 jan. 2027"


def test_moments_are_said_in_casablanca_time_on_the_day_they_are_there() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Morocco (UTC+1)
    assert translator("fr").moment(late) == "1 jan. 2027, 00:30"
    assert translator("ar").moment(late) == "1 يناير 2027، 00:30"
    assert translator("fr").time(late) == "00:30"
    assert translator("fr").day(late) == "1 jan. 2027"


def test_numbers_and_shares_use_the_languages_separators() -> None:
    assert translator("fr").number(2_147_483_647) == "2\u202f147\u202f483\u202f647"
    assert translator("ar").number(2_147_483_647) == "2.147.483.647"
    assert translator("fr").percent(0.125, 1) == "12,5%"
    assert translator("ar").percent(0.5) == "50%"


def test_the_users_choice_then_the_cookie_then_the_browser_then_french() -> None:
    assert negotiate_locale("fr", "ar", "ar") == "fr"
    assert negotiate_locale(None, "ar", "fr-FR") == "ar"
    assert negotiate_locale("xx", "yy", "ar-MA,fr;q=0.8") == "ar"
    assert negotiate_locale(None, None, "en-GB,fr;q=0.5,ar;q=0.9") == "ar"  # by q, not by order
    assert negotiate_locale(None, None, "ar;q=0,en") == "fr"  # q=0: not wanted
    assert negotiate_locale(None, None, "AR-ma") == "ar"
    assert negotiate_locale(None, None, "en , ar-MA ; q=0.7") == "ar"
    assert negotiate_locale(None, None, "de, *;q=0.1") == "fr"
    assert negotiate_locale(None, None, "ar;q=high") == "fr"  # a malformed weight
    assert negotiate_locale() == "fr"


def test_a_language_without_a_catalogue_is_an_error_not_english() -> None:
    with pytest.raises(ValueError, match="no catalogue"):
        translator("en")
