"""Every problem a page can show reads in the page's language: each error code the domain packages
raise (found by reading their source) has its words (their French and Arabic are held by the catalogue
test, tests/unit/kernel/test_catalogues.py); the staff forms' schema messages (msgspec's English) are
said again in the catalogue's words, next to the form's own field."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import msgspec
import pytest

from booking import commands as c
from booking.domain.limits import MemberLimits, MemberUsage, check_member_limits
from estivage.web.error_words import ERROR_WORDS, ON_FIELD, PROMO_REFUSED, WITH_FIGURES, error_text
from estivage.web.forms import FieldError, hundredths, placed, schema_problem, validation_errors
from inventory.commands import SeasonIn
from inventory.domain.calendar import SeasonKind, SeasonRule, Stay, direct_booking_seasons
from kernel.codes import ErrorCode
from kernel.errors import DomainError, RuleViolation
from kernel.i18n import translator

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_PACKAGES = ("accounts", "inventory", "booking", "payments", "access", "estivage/web")
ERROR_CLASSES = {"DomainError", "RuleViolation", "Conflict", "NotFound", "Forbidden", "AllocationError"}
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _codes_in(node: ast.expr) -> list[str]:
    """The code argument's possible values: a string, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode":
        return [ErrorCode[node.attr].value]
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body) + _codes_in(node.orelse)
    return []  # a code passed on (`error.code`): found where it was first raised


@cache
def _trees() -> dict[Path, ast.Module]:
    paths = [path for package in DOMAIN_PACKAGES for path in (ROOT / package).rglob("*.py")]
    return {path: ast.parse(path.read_text()) for path in paths}


def raised_codes() -> dict[str, str]:
    """Every code given to a domain error (or to a subclass, or to the allocation's error, whose code the
    services pass on) in the domain packages, with where it was found."""
    trees = _trees()
    classes = set(ERROR_CLASSES)
    for tree in trees.values():  # subclasses defined in the packages (BadSignature, InvalidTransition…)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) in classes for b in node.bases):
                classes.add(node.name)
    found: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            is_super = name == "__init__" and isinstance(getattr(func, "value", None), ast.Call)
            if name in classes or is_super:
                for code in _codes_in(node.args[0]):
                    found.setdefault(code, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def raised_params() -> dict[str, set[str]]:
    """The names of the params each code is raised with (`params={...}` written out where it is raised)."""
    found: dict[str, set[str]] = {}
    for tree in _trees().values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            for keyword in node.keywords:
                if keyword.arg == "params" and isinstance(keyword.value, ast.Dict):
                    names = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                    for code in _codes_in(node.args[0]):
                        found.setdefault(code, set()).update(str(n) for n in names)
    return found


def test_the_scan_finds_the_codes_raised_in_every_domain_package() -> None:
    codes = raised_codes()
    for known in ("stay_too_short", "invalid_transition", "not_payable", "device_not_found", "bad_share"):
        assert known in codes
    assert len(codes) > 90


def test_every_code_raised_in_the_domain_has_words_read_in_arabic_and_french() -> None:
    missing = {code: where for code, where in raised_codes().items() if code not in ERROR_WORDS}
    assert missing == {}
    arabic, french = translator("ar"), translator("fr")
    every = [*ERROR_WORDS.values(), *ON_FIELD.values()]
    assert [words for words in every if not ARABIC.search(arabic.gettext(words))] == []
    assert [words for words in every if french.gettext(words) in {words, arabic.gettext(words)}] == []
    assert {code for code, _field in ON_FIELD} <= set(ERROR_WORDS)


def test_every_named_code_has_words() -> None:
    """The named codes (kernel.codes) are every code a domain error can take: each reads in the pages."""
    assert [code.value for code in ErrorCode if code not in ERROR_WORDS] == []


def _sample(params: set[str]) -> dict[str, int | str]:
    return {name: "5,6" if name == "weekdays" else 7 for name in params}


def test_words_with_figures_use_exactly_the_params_their_code_is_raised_with() -> None:
    """Each code raised with params has words that show them (none missing, which would fall back to the
    plain words), and no words wait for params no code sends."""
    params = raised_params()
    # A refused promotion code's words are chosen by its reason (tested below), not sampled figures.
    assert set(WITH_FIGURES) == set(params) | {"promo_not_applicable"}
    for code, names in params.items():
        error = RuleViolation(code, "detail", params=_sample(names))
        for lang in ("fr", "ar"):
            shown = error_text(lang, error)
            assert shown != translator(lang).gettext(ERROR_WORDS[code]), (code, lang)
            figure = translator(lang).weekday(6) if "weekdays" in names else "7"
            assert figure in shown, (code, lang, shown)


def refusal(rule: Callable[..., object], *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        rule(*args)
    return caught.value


# Arrivals on Fridays and Saturdays, three nights at least.
WEEKENDS = SeasonRule(
    1, SeasonKind.OFF_SEASON, date(2027, 3, 1), date(2027, 5, 1), False, min_nights=3,
    arrival_weekdays=frozenset({5, 6}),
)  # fmt: skip


def test_the_words_take_the_figures_from_the_errors_params() -> None:
    short = refusal(direct_booking_seasons, Stay(date(2027, 3, 12), date(2027, 3, 13), 2), [WEEKENDS])
    assert error_text("fr", short) == "En cette saison, un séjour dure au moins 3 nuits."
    assert error_text("ar", short) == "في هذا الموسم، تدوم الإقامة 3 ليال على الأقل."
    limits, usage = MemberLimits(1, 30), MemberUsage(open_holds=0, nights_this_year=26)
    limit = refusal(check_member_limits, limits, usage, 5)
    assert error_text("fr", limit) == "Au plus 30 nuits hors saison par an ; il vous en reste 4."
    monday = refusal(direct_booking_seasons, Stay(date(2027, 3, 8), date(2027, 3, 11), 2), [WEEKENDS])
    assert error_text("ar", monday) == "في هذا الموسم، يكون الوصول يوم الجمعة والسبت."
    assert error_text("fr", monday) == "En cette saison, les arrivées ont lieu le vendredi et samedi."


def test_figures_take_the_plural_form_of_their_count() -> None:
    def two(code: str, **params: int) -> str:
        return error_text("ar", RuleViolation(code, "detail", params=params))

    assert two("stay_too_short", min_nights=2) == "في هذا الموسم، تدوم الإقامة ليلتين على الأقل."
    assert two("stay_too_long", max_nights=11) == "في هذا الموسم، تدوم الإقامة 11 ليلة على الأكثر."
    assert two("arrival_too_far", max_days=1) == "يمكن أن يكون الوصول بعد يوم واحد على الأكثر."
    assert two("comment_too_long", max_length=500) == "يتضمن التعليق 500 حرف على الأكثر."
    short = RuleViolation("stay_too_short", "detail", params={"min_nights": 1})
    assert error_text("fr", short) == "En cette saison, un séjour dure au moins 1 nuit."


def test_without_its_params_an_error_reads_in_the_plain_words_never_its_detail() -> None:
    detail = RuleViolation("stay_too_short", "a stay in this season lasts at least 3 nights")
    assert error_text("fr", detail) == "Séjour trop court pour cette saison."
    other = RuleViolation("stay_too_short", "too short", params={"nights": 3})
    assert error_text("ar", other) == "الإقامة قصيرة جدا بالنسبة لهذا الموسم."


def test_a_code_may_mean_something_else_on_another_field() -> None:
    needs = RuleViolation("invalid_promotion", "a percentage promotion needs percent_bp", "percent_bp")
    assert error_text("fr", needs) == "Ce type de promotion demande ce champ."
    fewer = RuleViolation("invalid_promotion", "pay_nights must be fewer than stay_nights", "pay_nights")
    assert error_text("fr", fewer) == "Il faut moins de nuits payées que de nuits séjournées."
    summer = RuleViolation("not_offered", "no apt2 is offered for r1", "choices[1].unit_type")
    assert error_text("ar", summer) == "هذه الوحدة غير معروضة في هذا الفوج."


def schema_error(data: dict[str, object], schema: type = c.PromotionIn) -> Exception:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(data, schema)
    return caught.value


def test_schema_messages_in_the_pages_words_under_the_forms_field() -> None:
    base = {"name": "Hiver", "kind": "percentage"}
    assert validation_errors(schema_error({"kind": "percentage"}), "fr") == {"name": "Champ obligatoire."}
    assert validation_errors(schema_error({**base, "percent_bp": 20_000}), "fr") == {
        "percent": "Au plus 100."
    }
    assert validation_errors(schema_error({**base, "percent_bp": 0}), "ar") == {"percent": "على الأقل 0,01."}
    assert validation_errors(schema_error({**base, "min_nights": 0}), "fr") == {"min_nights": "Au moins 1."}
    assert validation_errors(schema_error({**base, "name": "x" * 121}), "fr") == {
        "name": "Trop long : 120 caractères au plus."
    }
    assert validation_errors(schema_error({**base, "stay_from": "2026-13-01"}), "fr") == {
        "stay_from": "Saisissez une date (AAAA-MM-JJ)."
    }
    assert validation_errors(schema_error({**base, "max_uses": "x"}), "fr") == {
        "max_uses": "Saisissez un nombre."
    }
    season = {"code": "x", "name_fr": "X", "kind": "off_season", "starts_on": "2027-01-01"}
    assert validation_errors(schema_error(season, SeasonIn), "fr") == {"ends_on": "Champ obligatoire."}
    assert (
        schema_problem("Invalid enum value 'zz' - at `$.kind`", "fr") == "Choisissez une valeur de la liste."
    )


def test_typed_values_are_field_errors_in_the_pages_words() -> None:
    for typed, words in (("douze", "Saisissez un nombre."), ("inf", "Saisissez un nombre."),
                         ("10.005", "Deux décimales au plus.")):  # fmt: skip
        with pytest.raises(FieldError) as caught:
            hundredths({"amount": typed}, "amount")
        assert validation_errors(caught.value, "fr") == {"amount": words}
    assert hundredths({"amount": "12,50"}, "amount") == 1250


def test_a_problem_no_field_of_the_form_answers_for_goes_to_the_top() -> None:
    assert placed({"percent": "a", "percent_bp": "b", "": "c"}, ("percent", "name")) == {
        "percent": "a",
        "": "b c",
    }
    assert placed({"name": "a"}, ("name",)) == {"name": "a"}


def test_a_refused_promotion_code_says_why_in_both_languages() -> None:
    for reason in PROMO_REFUSED:
        error = RuleViolation("promo_not_applicable", "detail", params={"reason": reason})
        for lang in ("fr", "ar"):
            assert error_text(lang, error) == translator(lang).gettext(PROMO_REFUSED[reason])
    short = RuleViolation("promo_not_applicable", "d", params={"reason": "min_nights", "min_nights": 7})
    assert "7" in error_text("ar", short)
    assert error_text("fr", short) == "Ce code est valable pour les séjours d'au moins 7 nuits."
    odd = RuleViolation("promo_not_applicable", "d", params={"reason": "new-reason"})
    assert error_text("fr", odd) == translator("fr").gettext(ERROR_WORDS["promo_not_applicable"])
