"""What happens at the gates and to passes (``kernel.events``; wired in ``estivage.bootstrap``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class PassReissued(DomainEvent):
    booking_id: uuid.UUID
    member_id: int
    pass_id: uuid.UUID
    replaced: tuple[uuid.UUID, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class GateScansStored(DomainEvent):
    """New scans uploaded by a gate: how many of each (decision, direction)."""

    centre_id: int
    counts: tuple[tuple[str, str, int], ...]
