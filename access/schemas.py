"""What the access API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from kernel.structs import Code


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    """A gate device to enrol: the centre it stands at and a name staff will recognise."""

    centre: Code
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class DeviceCreated(msgspec.Struct):
    """The enrolled device and its token, shown this once: the gate keeps it to call the device routes."""

    device_id: uuid.UUID
    token: str
    centre: str
    name: str


class PeerKeyOut(msgspec.Struct):
    """A key the gates of one centre sign their messages to each other with (HMAC-SHA256, base64url)."""

    kid: str
    key: str  # base64url of 32 bytes, the HMAC-SHA256 key


class GateSelf(msgspec.Struct):
    """What an enrolled gate learns about itself: where it stands, the local clock it resets on, and
    the keys it proves itself with to the other gates of its centre (newest first: it signs with it)."""

    device_id: uuid.UUID
    centre: str
    name: str
    time_zone: str
    peer_keys: list[PeerKeyOut] = msgspec.field(default_factory=list)


class DeviceOut(msgspec.Struct):
    """An enrolled gate device: when it was enrolled or revoked, when it last called, and its last sync
    report."""

    device_id: uuid.UUID
    centre: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    # What the gate reported at its last complete sync (the fleet view).
    version: str | None = None
    last_sync_at: datetime | None = None
    backlog: int | None = None
    clock_offset_seconds: float | None = None
    stale: bool = False  # no complete sync for 10 minutes


class ScanEvent(msgspec.Struct, forbid_unknown_fields=True):
    """One decision a gate took: which pass (or booking), in or out, granted or denied and why, and when."""

    event_id: uuid.UUID
    # Null for a code that is not an authentic pass (a forgery, a damaged code): the gate saw no id
    # that a valid signature vouches for, but the attempt is still worth recording.
    pass_id: uuid.UUID | None
    direction: Literal["in", "out"]
    decision: Literal["granted", "denied"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
    scanned_at: datetime
    # The booking, when the gate knows it (a version 2 pass, a code typed by a guard: then pass_id may
    # be null); its place in its party's order at the gates; a guard's reason for an override.
    booking_id: uuid.UUID | None = None
    ordered_at: datetime | None = None
    note: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class ScansIn(msgspec.Struct, forbid_unknown_fields=True):
    """A batch of gate events to store (at most 1,000); an event id already stored is counted as a
    duplicate."""

    events: Annotated[list[ScanEvent], msgspec.Meta(max_length=1000)]


class RefusedScan(msgspec.Struct):
    """An uploaded event that was not stored, and why (its pass or booking is unknown or of another centre,
    or its time is implausible)."""

    event_id: uuid.UUID
    code: str  # unknown_pass, unknown_booking, wrong_centre, wrong_booking, implausible_time


class ScansOut(msgspec.Struct, omit_defaults=True):
    """How many events were stored, how many were already there, and any that were refused."""

    accepted: int
    duplicates: int
    # Only when some were refused: each event the device may not upload, and why (never stored).
    refused: list[RefusedScan] = msgspec.field(default_factory=list)


class FeedEvent(msgspec.Struct):
    """Another gate's event of the same centre, as the feed gives it."""

    event_id: uuid.UUID
    device_id: uuid.UUID
    pass_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    direction: str
    decision: str
    reason: str
    note: str | None
    scanned_at: datetime
    ordered_at: datetime | None


class ScanFeedOut(msgspec.Struct):
    """Other gates' events of the centre after the cursor, and the cursor to ask from next time."""

    events: list[FeedEvent]
    cursor: int


class RosterStayOut(msgspec.Struct):
    """A stay a gate may see in the coming days: its short code, passes, validity window, party and holder."""

    booking_id: uuid.UUID
    code: str
    pass_id: uuid.UUID | None
    pass_ids: list[uuid.UUID]
    valid_from: datetime
    valid_until: datetime
    party_size: int
    holder: str
    holder_ar: str
    unit: str


class RosterOut(msgspec.Struct):
    """The stays of the device's centre for the next `days` days, for a gate that cannot reach the server."""

    days: int
    stays: list[RosterStayOut]


class GateReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a gate reports after a sync: its software version, events not yet uploaded, and its clock."""

    version: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    backlog: Annotated[int, msgspec.Meta(ge=0)]
    clock: Annotated[datetime, msgspec.Meta(tz=True)]


class GateReportOut(msgspec.Struct):
    """The server's time and how far the gate's clock is from it, in seconds."""

    server_time: datetime
    clock_offset_seconds: float


class RevocationsOut(msgspec.Struct):
    """Pass ids revoked after the cursor, and the cursor to ask from next time."""

    revoked: list[uuid.UUID]
    cursor: int


class RevokeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why the pass is revoked: a short code in lower case (default `revoked_by_staff`)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$")] = (
        "revoked_by_staff"
    )


class PassOut(msgspec.Struct):
    """A confirmed stay's signed pass: the payload the QR code carries, its validity window, centre and
    party."""

    pass_id: uuid.UUID
    payload: str
    valid_from: datetime
    valid_until: datetime
    centre: str
    party_size: int
    kid: str
    booking_code: str  # printed on the pass: a guard types it when the camera cannot read the phone


class KeyOut(msgspec.Struct, omit_defaults=True):
    """A public key gates verify passes with: its key id, algorithm, base64url raw key, and when it stops
    being used."""

    kid: str
    alg: str
    public_key: str
    not_after: datetime | None = None


class KeysOut(msgspec.Struct):
    """The public keys valid now, the newest first."""

    keys: list[KeyOut]
