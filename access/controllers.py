"""HTTP for gates (device tokens) and for staff enrolling devices and revoking passes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from access import fleet, passes, services
from access import keys as pass_keys
from access import roster as gate_roster
from access import schemas as s
from access.models import Device, GateEvent, IssuedPass
from access.passformat import booking_code
from access.render import render_png
from accounts.domain.identity import Identity
from accounts.guards import requires_manager_or_staff, requires_member, requires_staff
from booking.services import BookingView
from inventory import schemas as inventory_schemas
from inventory.models import Centre
from inventory.occupancy import occupancy
from inventory.snapshot import centre_view
from kernel.uow import UnitOfWork


async def provide_gate(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork], now: NamedDependency[datetime]
) -> services.GateIdentity:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    gate = await services.authenticate_device(uow, token, now)
    if gate is None:
        raise NotAuthorizedException(detail="a valid, unrevoked device token is required")
    return gate


class GateController(Controller):
    path = "/api/access"
    tags = ["access"]
    dependencies = {"gate": Provide(provide_gate)}

    @get("/device", exclude_from_auth=True, summary="The calling gate's own enrolment (device)")
    async def whoami(
        self,
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
    ) -> s.GateSelf:
        """The gate identifies itself with its device token (`Authorization: Bearer`): 401 for a token
        unknown or revoked."""
        me = await services.whoami(uow, gate, now)
        return s.GateSelf(
            me.device_id,
            me.centre,
            me.name,
            me.time_zone,
            [s.PeerKeyOut(str(k.generation), k.secret) for k in me.peer_keys],
        )

    @get("/revocations", exclude_from_auth=True, summary="Passes revoked after the cursor (device)")
    async def revocations(
        self,
        db_session: NamedDependency[AsyncSession],
        gate: NamedDependency[services.GateIdentity],
        since: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> s.RevocationsOut:
        """Any enrolled gate reads the whole feed (pass ids reveal nothing of a centre); `since` is the
        cursor of the last answer."""
        del gate  # any enrolled device reads the whole feed: pass ids reveal nothing of a centre
        revoked, cursor = await services.revocations_since(db_session, since)
        return s.RevocationsOut(revoked=revoked, cursor=cursor)

    @get("/keys", exclude_from_auth=True, summary="Public keys gates verify passes with (device)")
    async def keys(
        self,
        request: Request[Any, Any, Any],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
    ) -> s.KeysOut:
        """The keys a gate needs to verify passes offline; several may be valid at once during a rotation."""
        del gate
        found = pass_keys.published(pass_keys.ensure(request.app.state.settings.pass_keys_path, now), now)
        return s.KeysOut(keys=[s.KeyOut(k.kid, "Ed25519", k.public_base64url, k.not_after) for k in found])

    @post(
        "/scans", exclude_from_auth=True, status_code=200, summary="Upload gate events (device, idempotent)"
    )
    async def scans(
        self,
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
        data: JSONBody[s.ScansIn],
    ) -> s.ScansOut:
        """Each event is stored once by its id: uploading the same batch again counts duplicates and
        changes nothing. Events of another centre's passes are refused, not stored."""
        events = [
            services.ScanIn(
                e.event_id,
                e.pass_id,
                e.direction,
                e.decision,
                e.reason,
                e.scanned_at,
                e.booking_id,
                e.ordered_at,
                e.note,
            )
            for e in data.events
        ]
        stored = await services.store_scans(uow, gate, events, now)
        return s.ScansOut(
            accepted=stored.accepted,
            duplicates=stored.duplicates,
            refused=[s.RefusedScan(r.event_id, r.code) for r in stored.refused],
        )

    @get(
        "/scan-feed",
        exclude_from_auth=True,
        summary="The other gates' events of the device's centre after the cursor (device)",
    )
    async def scan_feed(
        self,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
        since: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> s.ScanFeedOut:
        """For gates that share their scans: what the other gates of the same centre decided, in order,
        after the cursor."""
        events, cursor = await services.scans_since(db_session, gate, since, now)
        return s.ScanFeedOut(events=[_feed_event(e) for e in events], cursor=cursor)

    @get(
        "/roster",
        exclude_from_auth=True,
        summary="The device's centre's stays of the coming days: codes, holders, parties (device)",
    )
    async def roster(
        self,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
    ) -> s.RosterOut:
        """Lets a gate check passes and short codes while the server cannot be reached."""
        stays = await gate_roster.roster(db_session, gate.centre_code, now)
        return s.RosterOut(days=gate_roster.ROSTER_DAYS, stays=[_roster_stay(r) for r in stays])

    @post(
        "/device/report",
        exclude_from_auth=True,
        status_code=200,
        summary="A gate's report at the end of its sync: version, backlog, clock (device)",
    )
    async def report(
        self,
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        gate: NamedDependency[services.GateIdentity],
        data: JSONBody[s.GateReportIn],
    ) -> s.GateReportOut:
        """Recorded for the fleet view (GET /api/access/devices); the answer tells the gate how far its
        clock is off."""
        report = fleet.GateReport(data.version, data.backlog, data.clock)
        offset = await fleet.record_report(uow, gate, report, now)
        return s.GateReportOut(server_time=now, clock_offset_seconds=offset / 1000)


def _feed_event(e: GateEvent) -> s.FeedEvent:
    return s.FeedEvent(
        e.event_id,
        e.device_id,
        e.pass_id,
        e.booking_id,
        e.direction,
        e.decision,
        e.reason,
        e.note,
        e.scanned_at,
        e.ordered_at,
    )


def _roster_stay(r: gate_roster.RosterStay) -> s.RosterStayOut:
    return s.RosterStayOut(
        r.booking_id,
        r.code,
        r.pass_id,
        r.pass_ids,
        r.valid_from,
        r.valid_until,
        r.party_size,
        r.holder,
        r.holder_ar,
        r.unit,
    )


def device_out(device: Device, centre: str, now: datetime) -> s.DeviceOut:
    gate = fleet.view(device, now)
    return s.DeviceOut(
        device.id,
        centre,
        device.name,
        device.created_at,
        device.revoked_at,
        device.last_seen_at,
        gate.version,
        gate.last_sync_at,
        gate.backlog,
        gate.clock_offset_seconds,
        gate.stale and device.revoked_at is None,
    )


class DeviceController(Controller):
    path = "/api/access"
    tags = ["access"]
    guards = [requires_staff]

    @post("/devices", summary="Enrol a gate device for a centre; its token is shown this once")
    async def create(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        data: JSONBody[s.DeviceIn],
    ) -> s.DeviceCreated:
        """Staff only. The token is shown in this answer only; keep it on the gate (`gateway-agent
        enroll`)."""
        device, token = await services.create_device(uow, request.user, data.centre, data.name, now)
        return s.DeviceCreated(device_id=device.id, token=token, centre=data.centre, name=device.name)

    @get("/devices", summary="Enrolled devices, with what each reported at its last sync")
    async def list_devices(
        self, db_session: NamedDependency[AsyncSession], now: NamedDependency[datetime]
    ) -> list[s.DeviceOut]:
        """Staff only. A device is stale when it has not completed a sync for 10 minutes."""
        rows = await db_session.execute(
            select(Device, Centre.code)
            .join(Centre, Centre.id == Device.centre_id)
            .order_by(Device.created_at)
        )
        return [device_out(d, code, now) for d, code in rows]

    @post("/devices/{device_id:uuid}/revoke", status_code=200, summary="Revoke a device's token")
    async def revoke(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        device_id: FromPath[uuid.UUID],
    ) -> s.DeviceOut:
        """Staff only. The device's token is refused from then on (401)."""
        device = await services.revoke_device(uow, request.user, device_id, now)
        code = await db_session.scalar(select(Centre.code).where(Centre.id == device.centre_id))
        return device_out(device, code or "", now)

    @post("/passes/{pass_id:uuid}/revoke", status_code=200, summary="Revoke a pass (staff)")
    async def revoke_pass(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        pass_id: FromPath[uuid.UUID],
        data: JSONBody[s.RevokeIn],
    ) -> s.RevocationsOut:
        """Staff only. The pass goes into the revocation feed, which gates pull on their next sync."""
        await services.revoke_pass(uow, request.user, pass_id, data.reason, now)
        revoked, cursor = await services.revocations_since(db_session, 0)
        return s.RevocationsOut(revoked=[p for p in revoked if p == pass_id], cursor=cursor)


class OccupancyController(Controller):
    path = "/api/centres"
    tags = ["inventory"]

    @get(
        "/{code:str}/occupancy",
        guards=[requires_manager_or_staff],
        summary="Occupancy per night (managers of that centre, staff)",
    )
    async def occupancy(
        self,
        request: Request[Identity, Any, Any],
        read_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        code: FromPath[str],
        first: Annotated[date, QueryParameter(name="from")],
        last: Annotated[date, QueryParameter(name="to")],
    ) -> inventory_schemas.OccupancyOut:
        """For each night from `from` to `to`: units in service, units occupied and guests; and who is on
        site now. A manager of another centre gets 403."""
        request.user.require_centre(code)
        nights = await occupancy(read_session, code, first, last, now)
        centre_id = (await centre_view(read_session, code)).id  # the snapshot ``occupancy`` just read
        return inventory_schemas.OccupancyOut(
            centre=code,
            nights=[
                inventory_schemas.NightOut(n.night, n.units_total, n.units_occupied, n.guests) for n in nights
            ],
            on_site_now=await services.on_site_now(read_session, centre_id, now),
        )


def pass_out(view: BookingView, issued: IssuedPass) -> s.PassOut:
    return s.PassOut(
        issued.id,
        issued.payload,
        issued.valid_from,
        issued.valid_until,
        view.centre,
        issued.party_size,
        issued.kid,
        booking_code(view.booking.id),
    )


class PassController(Controller):
    path = "/api/bookings"
    tags = ["access"]

    @post(
        "/{booking_id:uuid}/pass/reissue",
        guards=[requires_member],
        status_code=200,
        summary="Issue a new pass; the previous one is revoked at every gate",
    )
    async def reissue(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.PassOut:
        """The member's own booking (404 for another's); 409 before it has a pass; 429 after too
        many reissues in 24 hours."""
        view, issued = await passes.reissue(
            uow, request.user, booking_id, request.app.state.settings.pass_keys_path, now
        )
        return pass_out(view, issued)

    @get(
        "/{booking_id:uuid}/pass", guards=[requires_member], summary="The signed pass of a confirmed booking"
    )
    async def pass_json(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> s.PassOut:
        """The member's own booking (404 for another's); 409 until the booking is confirmed."""
        view, issued = await passes.pass_of(
            uow, request.user, booking_id, request.app.state.settings.pass_keys_path, now
        )
        return pass_out(view, issued)

    @get(
        "/{booking_id:uuid}/pass.png",
        guards=[requires_member],
        media_type="image/png",
        summary="The pass as a PNG whose QR code decodes to exactly the payload",
    )
    async def pass_png(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
        booking_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The same pass as GET …/pass, drawn as a QR code on a card to show at the gate or print."""
        view, issued = await passes.pass_of(
            uow, request.user, booking_id, request.app.state.settings.pass_keys_path, now
        )
        card = await passes.card_of(uow.session, view, issued)
        return Response(await asyncio.to_thread(render_png, card), media_type="image/png")
