"""The summer form's pure parts: blank rows skipped, a half-filled row named, the service's choice index
shown on the form's row."""

from __future__ import annotations

from estivage.web.summer import FIELDS, on_form_rows, parse_application


def _values(**given: str) -> dict[str, str]:
    return {
        **dict.fromkeys(FIELDS, ""),
        **{k.replace("_0_", "[0].").replace("_2_", "[2]."): v for k, v in given.items()},
    }


def test_blank_rows_are_skipped_and_their_rows_remembered() -> None:
    values = _values(
        party_size="3",
        choices_0_centre="ifrane", choices_0_rotation="r1", choices_0_unit_type="studio",
        choices_2_centre="ifrane", choices_2_rotation="r2", choices_2_unit_type="apt2",
    )  # fmt: skip
    errors: dict[str, str] = {}
    data, rows = parse_application(values, errors, "fr")
    assert errors == {}
    assert data is not None
    assert [(c.rotation, c.unit_type) for c in data.choices] == [("r1", "studio"), ("r2", "apt2")]
    assert (data.party_size, rows) == (3, [0, 2])
    # The service's second choice is the form's third row; a problem with no field goes on top.
    assert on_form_rows({"choices[1].unit_type": "too many"}, rows) == {"choices[2].unit_type": "too many"}
    assert on_form_rows({"choices[1]": "twice"}, rows) == {"choices[2]": "twice"}
    assert on_form_rows({"": "closed"}, rows) == {"application": "closed"}


def test_a_half_filled_row_and_a_bad_party_are_named_in_the_page_language() -> None:
    errors: dict[str, str] = {}
    data, _rows = parse_application(_values(party_size="0", choices_0_centre="ifrane"), errors, "ar")
    assert data is None
    assert errors == {
        "party_size": "قيمة غير صالحة",
        "choices[0].rotation": "حقل إلزامي.",
        "choices[0].unit_type": "حقل إلزامي.",
    }
