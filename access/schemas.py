"""What the access API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from kernel.structs import Code


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    centre: Code
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class DeviceCreated(msgspec.Struct):
    device_id: uuid.UUID
    token: str
    centre: str
    name: str


class GateSelf(msgspec.Struct):
    """What an enrolled gate learns about itself: where it stands and the local clock it resets on."""

    device_id: uuid.UUID
    centre: str
    name: str
    time_zone: str


class DeviceOut(msgspec.Struct):
    device_id: uuid.UUID
    centre: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


class ScanEvent(msgspec.Struct, forbid_unknown_fields=True):
    event_id: uuid.UUID
    # Null for a code that is not an authentic pass (a forgery, a damaged code): the gate saw no id
    # that a valid signature vouches for, but the attempt is still worth recording.
    pass_id: uuid.UUID | None
    direction: Literal["in", "out"]
    decision: Literal["granted", "denied"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
    scanned_at: datetime


class ScansIn(msgspec.Struct, forbid_unknown_fields=True):
    events: Annotated[list[ScanEvent], msgspec.Meta(max_length=1000)]


class ScansOut(msgspec.Struct):
    accepted: int
    duplicates: int


class RevocationsOut(msgspec.Struct):
    revoked: list[uuid.UUID]
    cursor: int


class RevokeIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$")] = (
        "revoked_by_staff"
    )


class PassOut(msgspec.Struct):
    pass_id: uuid.UUID
    payload: str
    valid_from: datetime
    valid_until: datetime
    centre: str
    party_size: int
    kid: str


class KeyOut(msgspec.Struct, omit_defaults=True):
    kid: str
    alg: str
    public_key: str
    not_after: datetime | None = None


class KeysOut(msgspec.Struct):
    keys: list[KeyOut]
