"""Re-run a published summer draw from its files, without a database: the command behind
``estivage allocation run|verify`` (also ``python -m estivage.draw_check``), for anyone to check a draw.

The rules (formats, the draw, the comparison) are ``booking.domain.allocation.publication``'s; this
module only reads files, prints, and says by its exit status what it found.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from booking.domain.allocation.allocate import AllocationError
from booking.domain.allocation.lottery import LotteryError
from booking.domain.allocation.publication import (
    DrawInputs,
    PublishedRow,
    inputs_from_json,
    published_rows,
    rows_from_csv,
    rows_from_json,
    rows_to_csv,
    rows_to_json,
    run_draw,
    verify,
)

T = TypeVar("T")


# Exit statuses of the command line: the draw re-ran identical, or differs, or the files cannot be used.
IDENTICAL, DIFFERENT, BAD_INPUT = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="estivage allocation")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="print the results of the published inputs")
    run.add_argument("inputs", type=Path)
    run.add_argument("--format", choices=("csv", "json"), default="csv")
    check = commands.add_parser("verify", help="re-run and compare with published results (.csv or .json)")
    check.add_argument("inputs", type=Path)
    check.add_argument("results", type=Path)
    arguments = parser.parse_args(argv)
    try:
        inputs = _revealed_inputs(arguments.inputs)
        if arguments.command == "run":
            rows = _applied(arguments.inputs, lambda: published_rows(inputs, run_draw(inputs)))
            sys.stdout.write(rows_to_csv(rows) if arguments.format == "csv" else rows_to_json(rows))
            return IDENTICAL
        published = _read(arguments.results, _results_parser(arguments.results))
        difference = _applied(arguments.inputs, lambda: verify(inputs, published))
    except _InputError as error:  # one line that says which file and what is wrong, never a traceback
        sys.stderr.write(f"error: {error}\n")
        return BAD_INPUT
    if difference is None:
        sys.stdout.write(f"identical: {len(published)} rows re-computed from the published inputs\n")
        return IDENTICAL
    sys.stdout.write(f"first difference: {difference}\n")
    return DIFFERENT


class _InputError(Exception):
    """A file that the command cannot use (unreadable, not the published format, seed not revealed)."""


def _read(path: Path, parse: Callable[[str], T]) -> T:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet may have added a byte order mark
    except UnicodeDecodeError as error:
        raise _InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    except OSError as error:
        raise _InputError(f"{path}: cannot be read ({error.strerror or error})") from error
    return _applied(path, lambda: parse(text))


def _applied(path: Path, step: Callable[[], T]) -> T:
    """``step``'s value; the rules' refusal of what the file holds, as an input error naming the file."""
    try:
        return step()
    except (AllocationError, LotteryError) as error:
        raise _InputError(f"{path}: {error.detail}") from error


def _revealed_inputs(path: Path) -> DrawInputs:
    inputs = _read(path, inputs_from_json)
    if not inputs.is_revealed():
        raise _InputError(
            f"{path}: the seed is not revealed yet (the inputs are published again with both seeds after "
            "the draw); the draw can be re-run only then"
        )
    return inputs


def _results_parser(path: Path) -> Callable[[str], list[PublishedRow]]:
    return rows_from_json if path.suffix == ".json" else rows_from_csv


if __name__ == "__main__":
    raise SystemExit(main())
