"""Publication: the exported rows, the CSV and JSON round trips, and re-running a published draw."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from booking.domain.allocation.allocate import AllocationError, Application, Campaign, Slot
from booking.domain.allocation.lottery import commit, lottery_order
from booking.domain.allocation.publication import (
    COLUMNS,
    INPUTS_FORMAT_1,
    Difference,
    DrawInputs,
    PublishedRow,
    inputs_from_json,
    inputs_to_json,
    prepare_draw,
    published_rows,
    rows_from_csv,
    rows_from_json,
    rows_to_csv,
    rows_to_json,
    run_draw,
    verify,
)
from estivage.draw_check import main

SEED = bytes(range(100, 132))
CLOSE_SEED = bytes(range(132, 164))
S1 = Slot("saidia", "R1", "studio")
S2 = Slot("mdiq", "R2", "bungalow")


def published_inputs() -> DrawInputs:
    campaign = Campaign({S1: 2, S2: 1}, {S1: {"retired": 1}})
    applications = [
        Application("S25-001", "active", 40, (S1, S2)),
        Application("S25-002", "retired", 12, (S1,)),
        Application("S25-003", "active", 40, (S2, S1)),
        Application("S25-004", "active", 40, (S1,)),
        Application("S25-005", "active", 9, (S2, S1)),
    ]
    return prepare_draw("summer-2025", campaign, applications, SEED, CLOSE_SEED).revealed(SEED, CLOSE_SEED)


def rows() -> list[PublishedRow]:
    inputs = published_inputs()
    return published_rows(inputs, run_draw(inputs))


def test_the_rows_say_who_got_what_and_who_waits_where() -> None:
    published = rows()
    offers = {row.application_id: (row.centre, row.choice_rank) for row in published if row.result == "offer"}
    assert len(offers) == 3
    assert offers["S25-002"] == ("saidia", 1)  # the retired reservation beats higher active scores
    waiting = [row for row in published if row.result == "waiting"]
    assert all(row.waiting_position is not None for row in waiting)
    assert all(row.waiting_position is None for row in published if row.result == "offer")
    assert [row.position for row in published] == sorted(row.position for row in published)
    assert {row.application_id for row in published} == {f"S25-00{n}" for n in range(1, 6)}
    lottery_ranks = sorted({(row.application_id, row.lottery_rank) for row in published}, key=lambda x: x[1])
    assert [rank for _, rank in lottery_ranks] == [1, 2, 3, 4, 5]


def test_csv_and_json_round_trip_to_the_same_rows() -> None:
    published = rows()
    assert rows_from_csv(rows_to_csv(published)) == published
    assert rows_from_json(rows_to_json(published)) == published
    assert rows_to_csv(published).splitlines()[0] == ",".join(COLUMNS)


def test_the_inputs_round_trip_through_json() -> None:
    inputs = published_inputs()
    again = inputs_from_json(inputs_to_json(inputs))
    assert inputs_to_json(again) == inputs_to_json(inputs)
    assert (again.seed, again.close_seed) == (SEED, CLOSE_SEED)


def test_before_the_reveal_the_inputs_carry_both_commitments_but_neither_seed() -> None:
    inputs = dataclasses.replace(published_inputs(), seed=None, close_seed=None)
    text = inputs_to_json(inputs)
    document = json.loads(text)
    assert document["format"] == "estivage-allocation-inputs/2"
    assert (document["seed"], document["close_seed"]) == ("", "")
    assert (document["seed_commitment"], document["close_seed_commitment"]) == (
        commit(SEED),
        commit(CLOSE_SEED),
    )
    assert SEED.hex() not in text
    assert CLOSE_SEED.hex() not in text
    with pytest.raises(AllocationError) as raised:
        run_draw(inputs_from_json(text))
    assert raised.value.code == "seed_not_revealed"
    assert verify(inputs, rows()) == Difference("inputs", "seed", "", "the seed is not revealed yet")
    # The opening seed alone is not enough to re-run the draw.
    half = dataclasses.replace(inputs, seed=SEED)
    assert verify(half, rows()) == Difference("inputs", "close_seed", "", "the seed is not revealed yet")


def test_an_honest_publication_verifies_from_csv_and_from_json() -> None:
    inputs = inputs_from_json(inputs_to_json(published_inputs()))
    assert verify(inputs, rows_from_csv(rows_to_csv(rows()))) is None
    assert verify(inputs, rows_from_json(rows_to_json(rows()))) is None


def test_verify_points_at_the_first_altered_row() -> None:
    published = rows()
    index = next(i for i, row in enumerate(published) if row.result == "waiting")
    published[index] = dataclasses.replace(published[index], result="offer", waiting_position=None)
    difference = verify(published_inputs(), published)
    assert difference == Difference(f"row {index + 1}", "result", "offer", "waiting")


def test_verify_notices_a_missing_or_extra_row() -> None:
    published = rows()
    difference = verify(published_inputs(), published[:-1])
    assert difference is not None
    assert (difference.where, difference.field) == (f"row {len(published)}", "row")
    extra = verify(published_inputs(), [*published, published[-1]])
    assert extra is not None
    assert extra.where == f"row {len(published) + 1}"


def test_verify_refuses_seeds_that_do_not_match_their_commitments() -> None:
    for field, commitment in (("seed", "seed_commitment"), ("close_seed", "close_seed_commitment")):
        inputs = dataclasses.replace(published_inputs(), **{field: bytes(32)})
        difference = verify(inputs, rows())
        assert difference is not None
        assert difference.field == commitment
        with pytest.raises(AllocationError) as raised:
            run_draw(inputs)
        assert raised.value.code == "inputs_inconsistent"


def test_inputs_of_format_1_one_seed_still_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two_seeds = published_inputs()
    inputs = dataclasses.replace(two_seeds, close_seed_commitment=None, close_seed=None)
    text = inputs_to_json(inputs)
    document = json.loads(text)
    assert document["format"] == INPUTS_FORMAT_1
    assert "close_seed" not in document
    assert "close_seed_commitment" not in document
    again = inputs_from_json(text)
    assert again == inputs
    # Format 1's lottery key is its one seed.
    run = run_draw(again)
    ids = [application.application_id for application in inputs.applications]
    assert list(run.lottery_order) == lottery_order(SEED, inputs.applications_digest, ids)
    assert run.lottery_order != run_draw(two_seeds).lottery_order
    inputs_file, results_file = tmp_path / "inputs.json", tmp_path / "results.csv"
    inputs_file.write_text(text, encoding="utf-8")
    results_file.write_text(rows_to_csv(published_rows(again, run)), encoding="utf-8")
    assert main(["verify", str(inputs_file), str(results_file)]) == 0
    assert capsys.readouterr().out.startswith("identical: ")


def test_verify_notices_applications_edited_after_the_digest() -> None:
    inputs = published_inputs()
    edited = (dataclasses.replace(inputs.applications[0], score=41), *inputs.applications[1:])
    difference = verify(dataclasses.replace(inputs, applications=edited), rows())
    assert difference is not None
    assert difference.field == "applications_digest"
    assert difference.published == inputs.applications_digest


def test_unreadable_publications_are_refused() -> None:
    with pytest.raises(AllocationError) as raised:
        rows_from_csv("position,application_id\n1,x\n")
    assert raised.value.code == "bad_publication"
    bad_number = rows_to_csv(rows()).replace(",40,", ",forty,", 1)
    with pytest.raises(AllocationError):
        rows_from_csv(bad_number)
    for published_format in ("estivage-allocation-inputs/1", "estivage-allocation-inputs/2"):
        with pytest.raises(AllocationError):
            inputs_from_json(f'{{"format": "{published_format}"}}')
    with pytest.raises(AllocationError) as raised:
        inputs_from_json('{"format": "estivage-allocation-inputs/3"}')
    assert "estivage-allocation-inputs/2 or estivage-allocation-inputs/1" in raised.value.detail


def test_the_command_line_runs_and_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs_file = tmp_path / "inputs.json"
    inputs_file.write_text(inputs_to_json(published_inputs()), encoding="utf-8")
    assert main(["run", str(inputs_file), "--format", "csv"]) == 0
    results_file = tmp_path / "results.csv"
    results_file.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["verify", str(inputs_file), str(results_file)]) == 0
    assert capsys.readouterr().out.startswith("identical: ")
    results_file.write_text(rows_to_csv(rows()).replace("offer", "waiting", 1), encoding="utf-8")
    assert main(["verify", str(inputs_file), str(results_file)]) == 1
    assert capsys.readouterr().out.startswith("first difference: row ")


def test_the_worked_example_of_the_documentation() -> None:
    outcome = [(row.application_id, row.result, row.centre, row.waiting_position) for row in rows()]
    assert outcome == [
        ("S25-004", "offer", "saidia", None),
        ("S25-001", "offer", "mdiq", None),
        ("S25-003", "waiting", "mdiq", 1),
        ("S25-003", "waiting", "saidia", 1),
        ("S25-002", "offer", "saidia", None),
        ("S25-005", "waiting", "mdiq", 2),
        ("S25-005", "waiting", "saidia", 2),
    ]


def test_a_file_that_cannot_be_read_is_an_input_error_not_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs_file = tmp_path / "inputs.json"
    inputs_file.write_text(inputs_to_json(published_inputs()), encoding="utf-8")
    assert main(["verify", str(inputs_file), str(tmp_path)]) == 2  # a directory, not a file
    assert main(["run", str(tmp_path / "missing.json")]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert [line.split(": ")[-1] for line in printed.err.splitlines()] == [
        "cannot be read (Is a directory)",
        "cannot be read (No such file or directory)",
    ]
