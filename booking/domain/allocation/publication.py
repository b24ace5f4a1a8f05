"""What is published about a summer draw, and how anyone re-runs it.

Before the draw the staff publish the **inputs** (campaign units and reservations, every application
with its category, score and choices, the applications' digest, the commitments of the opening seed and
of the close seed, both seeds empty); after it, the same file with **both seeds** revealed, and the
**results** (CSV and JSON, same rows). Inputs of format 1 (one seed, before the close seed existed)
are still read, and re-run as they were drawn.
``verify`` re-runs the draw from the inputs and reports the first difference with the results, or
``None`` when they match::

    uv run estivage allocation run inputs.json --format csv > results.csv
    uv run estivage allocation verify inputs.json results.csv

Results hold one row per applicant and slot: an applicant with an offer has one row (``offer``, the
slot and its choice rank); an applicant without one has a row per choice (``waiting``, with the
position on that slot's waiting list). Rows are ordered by priority position, then choice rank.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from booking.domain.allocation.allocate import (
    AllocationError,
    AllocationResult,
    Application,
    Campaign,
    Offer,
    Slot,
    allocate,
)
from booking.domain.allocation.lottery import (
    JsonValue,
    applications_digest,
    commit,
    lottery_key,
    lottery_order,
    verify_commitment,
)
from kernel.codes import ErrorCode

T = TypeVar("T")
INPUTS_FORMAT = "estivage-allocation-inputs/2"
# One seed, the lottery key itself: campaigns closed before the close seed was drawn. Read, never written
# by a new close.
INPUTS_FORMAT_1 = "estivage-allocation-inputs/1"
RESULTS_FORMAT = "estivage-allocation-results/1"


@dataclass(frozen=True, slots=True)
class DrawInputs:
    """``seed`` is the opening seed and ``close_seed`` the close seed, both None until the draw reveals
    them. ``close_seed_commitment`` is None only in inputs of format 1, whose one seed is the key."""

    campaign_id: str
    campaign: Campaign
    applications: tuple[Application, ...]
    applications_digest: str
    seed_commitment: str
    close_seed_commitment: str | None
    seed: bytes | None = None
    close_seed: bytes | None = None

    @property
    def format(self) -> str:
        return INPUTS_FORMAT_1 if self.close_seed_commitment is None else INPUTS_FORMAT

    def revealed(self, seed: bytes, close_seed: bytes | None) -> DrawInputs:
        return replace(self, seed=seed, close_seed=close_seed)

    def is_revealed(self) -> bool:
        return self.seed is not None and (self.close_seed_commitment is None or self.close_seed is not None)


@dataclass(frozen=True, slots=True)
class DrawRun:
    lottery_order: tuple[str, ...]
    result: AllocationResult


@dataclass(frozen=True, slots=True)
class PublishedRow:
    position: int
    application_id: str
    category: str
    score: int
    lottery_rank: int
    result: str
    centre: str
    rotation: str
    unit_type: str
    choice_rank: int
    waiting_position: int | None


@dataclass(frozen=True, slots=True)
class Difference:
    where: str
    field: str
    published: str
    recomputed: str

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: published {self.published!r}, re-run gives {self.recomputed!r}"


COLUMNS = tuple(column.name for column in fields(PublishedRow))


@dataclass(frozen=True, slots=True)
class ReofferRow:
    """A unit freed after the draw (its offer lapsed, was declined, or paid and cancelled) and what
    became of it: offered to the next in line (``result`` = ``offer``), or to nobody, with the reason
    (``nobody_waiting``, ``rotation_begun``, ``no_free_unit``). ``application_id`` is whom it was offered
    to, or who was next in line when the unit could not be held; empty when nobody waited."""

    number: int
    at: str
    centre: str
    rotation: str
    unit_type: str
    freed_by: str
    freed_because: str
    result: str
    application_id: str
    choice_rank: int | None


REOFFER_COLUMNS = tuple(column.name for column in fields(ReofferRow))


def prepare_draw(
    campaign_id: str, campaign: Campaign, applications: Sequence[Application], seed: bytes, close_seed: bytes
) -> DrawInputs:
    """The inputs to publish when applications close: digest and both commitments, the seeds kept back."""
    digest = applications_digest(applications)
    return DrawInputs(campaign_id, campaign, tuple(applications), digest, commit(seed), commit(close_seed))


def run_draw(inputs: DrawInputs) -> DrawRun:
    if not inputs.is_revealed():
        raise AllocationError(ErrorCode.SEED_NOT_REVEALED, "the draw runs once the seeds are revealed")
    problem = _inputs_problem(inputs)
    if problem is not None:
        raise AllocationError(ErrorCode.INPUTS_INCONSISTENT, str(problem))
    ids = [a.application_id for a in inputs.applications]
    order = lottery_order(_key(inputs), inputs.applications_digest, ids)
    return DrawRun(tuple(order), allocate(inputs.campaign, inputs.applications, order))


def _key(inputs: DrawInputs) -> bytes:
    """The lottery's key: both seeds combined (``lottery_key``); a format 1 draw's one seed."""
    assert inputs.seed is not None
    if inputs.close_seed_commitment is None:
        return inputs.seed
    assert inputs.close_seed is not None
    return lottery_key(inputs.seed, inputs.close_seed)


def published_rows(inputs: DrawInputs, run: DrawRun) -> list[PublishedRow]:
    lottery_rank = {application_id: rank for rank, application_id in enumerate(run.lottery_order, start=1)}
    by_id = {application.application_id: application for application in inputs.applications}
    waiting_position = {
        (entry.application_id, slot): position
        for slot, entries in run.result.waiting_lists.items()
        for position, entry in enumerate(entries, start=1)
    }
    return [
        row
        for position, application_id in enumerate(run.result.order, start=1)
        for row in _rows_of(
            by_id[application_id],
            _Standing(position, lottery_rank[application_id]),
            run.result.offers.get(application_id),
            waiting_position,
        )
    ]


@dataclass(frozen=True, slots=True)
class _Standing:
    position: int
    lottery_rank: int


def _rows_of(
    application: Application,
    standing: _Standing,
    offer: Offer | None,
    waiting_position: Mapping[tuple[str, Slot], int],
) -> list[PublishedRow]:
    """One row for an offer; without one, a row per choice with the place on that slot's waiting list."""

    def row(slot: Slot, result: str, waiting: int | None) -> PublishedRow:
        return PublishedRow(
            position=standing.position,
            application_id=application.application_id,
            category=application.category,
            score=application.score,
            lottery_rank=standing.lottery_rank,
            result=result,
            centre=slot.centre,
            rotation=slot.rotation,
            unit_type=slot.unit_type,
            choice_rank=application.choice_rank(slot),
            waiting_position=waiting,
        )

    if offer is not None:
        return [row(offer.slot, "offer", None)]
    key = application.application_id
    return [row(slot, "waiting", waiting_position[(key, slot)]) for slot in application.choices]


def verify(inputs: DrawInputs, published: Sequence[PublishedRow]) -> Difference | None:
    """Re-run the draw from the published inputs; the first difference with the published rows, if any."""
    if not inputs.is_revealed():
        field = "seed" if inputs.seed is None else "close_seed"
        return Difference("inputs", field, "", "the seed is not revealed yet")
    problem = _inputs_problem(inputs)
    if problem is not None:
        return problem
    recomputed = published_rows(inputs, run_draw(inputs))
    for number, (theirs, ours) in enumerate(zip(published, recomputed, strict=False), start=1):
        for column in COLUMNS:
            if getattr(theirs, column) != getattr(ours, column):
                return Difference(
                    f"row {number}", column, _text(getattr(theirs, column)), _text(getattr(ours, column))
                )
    if len(published) != len(recomputed):
        number = min(len(published), len(recomputed)) + 1
        return Difference(f"row {number}", "row", f"{len(published)} rows", f"{len(recomputed)} rows")
    return None


def _inputs_problem(inputs: DrawInputs) -> Difference | None:
    """Revealed seeds that are not the ones committed to, or applications that are not the digest's."""
    committed = [("seed_commitment", inputs.seed, inputs.seed_commitment)]
    if inputs.close_seed_commitment is not None:
        committed.append(("close_seed_commitment", inputs.close_seed, inputs.close_seed_commitment))
    for field, seed, commitment in committed:
        assert seed is not None
        if not verify_commitment(seed, commitment):
            return Difference("inputs", field, commitment, hashlib.sha256(seed).hexdigest())
    digest = applications_digest(inputs.applications)
    if digest != inputs.applications_digest:
        return Difference("inputs", "applications_digest", inputs.applications_digest, digest)
    return None


def _text(value: object) -> str:
    return "" if value is None else str(value)


# --- results: CSV and JSON -------------------------------------------------------------------------


def rows_to_csv(rows: Sequence[PublishedRow]) -> str:
    return _to_csv(COLUMNS, rows)


def reoffers_to_csv(rows: Sequence[ReofferRow]) -> str:
    return _to_csv(REOFFER_COLUMNS, rows)


def _to_csv(columns: Sequence[str], rows: Sequence[object]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(getattr(row, column)) for column in columns])
    return out.getvalue()


def rows_from_csv(text: str) -> list[PublishedRow]:
    """The rows of a results CSV; a byte order mark (a file saved again by a spreadsheet) is ignored."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise AllocationError(ErrorCode.BAD_PUBLICATION, f"the CSV columns must be {','.join(COLUMNS)}")
        return [_row_from_record(record) for record in reader]
    except csv.Error as error:
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"unreadable CSV: {error}") from error


def rows_to_json(rows: Sequence[PublishedRow]) -> str:
    """Compact (no indentation): 20,000 applications make about 8 MB of it, 11 MB indented."""
    document: dict[str, Any] = {
        "format": RESULTS_FORMAT,
        "rows": [{column: getattr(row, column) for column in COLUMNS} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def rows_from_json(text: str) -> list[PublishedRow]:
    document = _json_document(text, RESULTS_FORMAT)
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"a {RESULTS_FORMAT} document has a list of rows")
    return [_row_from_record(record) for record in rows]


def _json_document(text: str, expected_format: str, *older: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"not JSON ({error})") from error
    if not isinstance(document, dict) or document.get("format") not in (expected_format, *older):
        also = "".join(f" or {name}" for name in older)
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"expected a {expected_format}{also} document")
    return document


def _row_from_record(record: dict[str, Any]) -> PublishedRow:
    try:
        values = {column: record[column] for column in COLUMNS}
        for column in ("position", "score", "lottery_rank", "choice_rank"):
            values[column] = int(values[column])
        waiting = values["waiting_position"]
        values["waiting_position"] = None if waiting in (None, "") else int(waiting)
        return PublishedRow(**values)
    except (KeyError, TypeError, ValueError) as error:
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"unreadable result row: {record!r}") from error


# --- inputs: JSON ----------------------------------------------------------------------------------


def inputs_to_json(inputs: DrawInputs) -> str:
    """Format 2, or format 1 for inputs read from a format 1 document (no close seed)."""
    document: dict[str, JsonValue] = {
        "format": inputs.format,
        "campaign_id": inputs.campaign_id,
        "slots": [
            {"slot": slot.canonical(), "units": units, "reserved": dict(inputs.campaign.reserved_for(slot))}
            for slot, units in sorted(inputs.campaign.units.items())
        ],
        "applications": [a.canonical() for a in sorted(inputs.applications, key=lambda a: a.application_id)],
        "applications_digest": inputs.applications_digest,
        "seed_commitment": inputs.seed_commitment,
        "seed": _hex(inputs.seed),
    }
    if inputs.close_seed_commitment is not None:
        document["close_seed_commitment"] = inputs.close_seed_commitment
        document["close_seed"] = _hex(inputs.close_seed)
    # Indented for people; the digest is computed from the applications, not from this layout.
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _hex(seed: bytes | None) -> str:
    return "" if seed is None else seed.hex()


def inputs_from_json(text: str) -> DrawInputs:
    document = _json_document(text, INPUTS_FORMAT, INPUTS_FORMAT_1)
    second = document["format"] == INPUTS_FORMAT
    try:
        slots = [(Slot(*entry["slot"]), entry) for entry in document["slots"]]
        campaign = Campaign(
            units={slot: int(entry["units"]) for slot, entry in slots},
            reserved={slot: dict(entry["reserved"]) for slot, entry in slots if entry["reserved"]},
        )
        applications = tuple(
            Application(
                a["application_id"], a["category"], int(a["score"]), tuple(Slot(*s) for s in a["choices"])
            )
            for a in document["applications"]
        )
        return DrawInputs(
            document["campaign_id"], campaign, applications,
            document["applications_digest"], document["seed_commitment"],
            document["close_seed_commitment"] if second else None,
            _seed(document["seed"]), _seed(document["close_seed"]) if second else None,
        )  # fmt: skip
    except AllocationError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise AllocationError(ErrorCode.BAD_PUBLICATION, f"unreadable inputs: {error!r}") from error


def _seed(text: str) -> bytes | None:
    return bytes.fromhex(text) if text else None


# --- command line ----------------------------------------------------------------------------------
