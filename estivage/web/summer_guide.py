"""The summer application as a guided choice: which centres, then which of a centre's rotations, then which
unit types of that centre and rotation a party may choose, so that the form never offers an impossible
combination.

Pure: it reads a campaign's slots (centre, rotation, unit type, units offered, persons at most) and the
party's size. The campaign service (``booking.campaigns.services.checked_choices``) stays the authority
on what is saved; this only decides what the selects offer, and what a changed choice no longer allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PARTS = ("centre", "rotation", "unit_type")


@dataclass(frozen=True, slots=True)
class Slot:
    centre: str
    rotation: str
    unit_type: str
    units: int
    capacity: int


class Guide:
    """The slots a party of `party` persons may rank (all offered ones when the size is not known yet),
    in the campaign's order: centres as listed, rotations by date, unit types as listed."""

    def __init__(self, slots: Iterable[Slot], party: int | None, rotation_order: Iterable[str] = ()) -> None:
        order = {code: i for i, code in enumerate(rotation_order)}
        fitting = [s for s in slots if s.units > 0 and (party is None or s.capacity >= party)]
        self.slots = sorted(fitting, key=lambda s: order.get(s.rotation, len(order)))
        self.party = party

    def centres(self) -> list[str]:
        return list(dict.fromkeys(s.centre for s in self.slots))

    def rotations(self, centre: str) -> list[str]:
        return list(dict.fromkeys(s.rotation for s in self.slots if s.centre == centre))

    def unit_types(self, centre: str, rotation: str) -> list[Slot]:
        return [s for s in self.slots if s.centre == centre and s.rotation == rotation]

    def narrow(self, choice: Mapping[str, str]) -> dict[str, str]:
        """The choice with each part the earlier ones no longer allow emptied (a centre changed empties
        its rotation when the new centre does not run it, and so on)."""
        centre, rotation, unit_type = (choice.get(part, "") for part in PARTS)
        if centre not in self.centres():
            centre = ""
        if rotation not in self.rotations(centre):
            rotation = ""
        if unit_type not in {s.unit_type for s in self.unit_types(centre, rotation)}:
            unit_type = ""
        return {"centre": centre, "rotation": rotation, "unit_type": unit_type}
