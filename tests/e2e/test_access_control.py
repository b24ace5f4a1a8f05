"""Access-control sweep: every route of the app, called by every kind of caller, answers the contract's
401 / 403 / 404 (CONTRACT.md) — or reaches its handler when the caller is allowed.

`ACCESS` lists every route with who may call it. A route that is not in the table fails the test: a new
endpoint is classified on purpose, never left unguarded by accident. A classified route that no longer
exists fails it too, so the table stays true.

Callers: anonymous; the member who owns the objects (M0001, booking at Ifrane); another member
(M0002); the manager of another centre (Saïdia); the manager of the objects' centre (Ifrane); staff;
an enrolled gate device of Ifrane (its own bearer token, which is no user's token).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from kernel.settings import Settings
from tests.conftest import NOW, PASSWORD, STAY, Clock, hold, login

CALLERS = ("anonymous", "member", "other_member", "manager_elsewhere", "manager", "staff", "device")
OK = "ok"  # reaches the handler: any answer but 401, 403, 404 and 5xx (a 409 or 422 is the handler's)


def _profile(**expected: str) -> dict[str, str]:
    return {caller: expected.get(caller, OK) for caller in CALLERS}


# Profiles: who gets what.
PUBLIC = _profile()
LOGGED_IN = _profile(anonymous="401", device="401")
STAFF_ONLY = _profile(
    anonymous="401",
    member="403",
    other_member="403",
    manager_elsewhere="403",
    manager="403",
    device="401",
)
MEMBER_ONLY = _profile(anonymous="401", manager_elsewhere="403", manager="403", staff="403", device="401")
# A member for themselves, or staff for a member they name (booking on a member's behalf).
MEMBER_OR_STAFF = {**MEMBER_ONLY, "staff": OK}
# A member's own object: another member gets 404 (its existence is not confirmed), other roles 403.
OWN_OBJECT = {**MEMBER_ONLY, "other_member": "404"}
OWN_OR_STAFF = {**OWN_OBJECT, "staff": OK}
# Readable by its member, the managers of its centre and staff; to the others it does not exist.
VISIBLE_BOOKING = _profile(anonymous="401", other_member="404", manager_elsewhere="404", device="401")
CENTRE_STAFF = _profile(
    anonymous="401", member="403", other_member="403", manager_elsewhere="403", device="401"
)
DEVICE_ONLY = _profile(
    anonymous="401",
    member="401",
    other_member="401",
    manager_elsewhere="401",
    manager="401",
    staff="401",
)
# Web pages: the same rules, but the anonymous (and a gate's token, which is nobody's) are sent to log in.
LOGIN = "login"
PAGE_LOGGED_IN = {**LOGGED_IN, "anonymous": LOGIN, "device": LOGIN}
PAGE_MEMBER = {**MEMBER_ONLY, "anonymous": LOGIN, "device": LOGIN}
PAGE_OWN = {**OWN_OBJECT, "anonymous": LOGIN, "device": LOGIN}
PAGE_MANAGERS = {**PAGE_LOGGED_IN, "member": "403", "other_member": "403"}
# The desk's actions on a stay: that centre's manager and staff; a manager elsewhere finds nothing.
DESK_BOOKING = _profile(
    anonymous="401", member="403", other_member="403", manager_elsewhere="404", device="401"
)
PAGE_CENTRE = {**CENTRE_STAFF, "anonymous": LOGIN, "device": LOGIN}
PAGE_DESK_BOOKING = {**DESK_BOOKING, "anonymous": LOGIN, "device": LOGIN}
PAGE_STAFF = {**STAFF_ONLY, "anonymous": LOGIN, "device": LOGIN}


@dataclass(frozen=True)
class Route:
    access: dict[str, str]
    body: Any = None
    query: dict[str, str] | None = None
    # A web form: posted form-encoded with the CSRF token the pages set (cookie and header), as a
    # browser does.
    form: bool = False
    # No object of this kind exists in the world (an offer): an allowed caller's 404 is the handler's.
    nothing_to_find: bool = False
    # An endless event stream: only the refusals are checked (an allowed caller would wait forever).
    stream: bool = False


BOOKING = "/api/bookings/{booking_id:uuid}"
CAMPAIGN = "/api/campaigns/{code:str}"
CAMPAIGN_CODE = "summer-2027"
ACCESS: dict[str, Route] = {
    # Operations
    "GET /health": Route(PUBLIC),
    "GET /ready": Route(PUBLIC),
    "GET /metrics": Route(PUBLIC),  # ESTIVAGE_METRICS_TOKEN protects it in production (test_observability)
    "GET /schema": Route(PUBLIC),
    "GET /schema/openapi.json": Route(PUBLIC),
    "GET /schema/swagger": Route(PUBLIC),
    # The viewer's files, public (tests/browser/test_api_docs_in_chromium.py loads them); the sweep's
    # file name is the pages' app.css, which is not one of them.
    "GET /schema/assets/{file_path:path}": Route(_profile(**dict.fromkeys(CALLERS, "404"))),
    "GET /schema/{path:str}": Route(_profile(**dict.fromkeys(CALLERS, "404"))),  # unknown documents
    # Accounts
    "POST /api/auth/token": Route(PUBLIC, body={"username": "M0003", "password": PASSWORD}),
    "GET /api/me": Route(LOGGED_IN),
    # A refresh token that is nobody's is refused whoever calls (POST /api/auth/logout is last, below).
    "POST /api/auth/refresh": Route(_profile(**dict.fromkeys(CALLERS, "401")), body={"refresh_token": "a.b"}),
    "POST /api/auth/activate/start": Route(
        PUBLIC, body={"member_number": "M0003", "birth_date": "1970-01-01"}
    ),
    "POST /api/auth/password-reset/start": Route(PUBLIC, body={"username": "nobody"}),
    "POST /api/auth/activate": Route(PUBLIC, body={"username": "M0003", "code": "0", "password": "x"}),
    "POST /api/auth/password-reset": Route(PUBLIC, body={"username": "M0003", "code": "0", "password": "x"}),
    "GET /api/users": Route(STAFF_ONLY),
    "POST /api/users": Route(STAFF_ONLY, body={}),
    "GET /api/users/{username:str}": Route(STAFF_ONLY),
    "PATCH /api/users/{username:str}": Route(STAFF_ONLY, body={}),
    # A member's own contact details and data (law 09-08): each member's own, nobody else's to find.
    "GET /api/me/contact": Route(MEMBER_ONLY),
    "PATCH /api/me/contact": Route(MEMBER_ONLY, body={}),
    "POST /api/me/email": Route(MEMBER_ONLY, body={"email": "sweep@example.org"}),
    "POST /api/me/email/confirm": Route(MEMBER_ONLY, body={"code": "000000"}),
    "GET /api/me/data": Route(MEMBER_ONLY),
    "GET /api/audit": Route(STAFF_ONLY),
    # Officials' figures and the payroll report: staff.
    # A manager reads their own centres' figures (any manager: the scope is theirs, not the query's).
    "GET /api/kpis": Route(CENTRE_STAFF | {"manager_elsewhere": OK}, query={"year": "2026"}),
    "GET /api/kpis.csv": Route(CENTRE_STAFF | {"manager_elsewhere": OK}, query={"year": "2026"}),
    "GET /staff/payroll": Route(PAGE_STAFF),
    "POST /staff/payroll": Route(PAGE_STAFF, form=True),
    # Mail: the outbox is staff's; each member reads their own messages.
    "GET /api/outbox": Route(STAFF_ONLY),
    "POST /api/outbox/{message_id:uuid}/resend": Route(STAFF_ONLY, nothing_to_find=True),
    "GET /api/me/messages": Route(MEMBER_ONLY),
    # Inventory (staff configure, everyone reads the centres)
    "GET /api/centres": Route(PUBLIC),
    "POST /api/centres": Route(STAFF_ONLY, body={"code": "x"}),
    "PATCH /api/centres/{code:str}": Route(STAFF_ONLY, body={}),
    "POST /api/centres/{code:str}/unit-types": Route(STAFF_ONLY, body={"code": "x"}),
    "PATCH /api/centres/{code:str}/unit-types/{type_code:str}": Route(STAFF_ONLY, body={}),
    "GET /api/centres/{code:str}/units": Route(STAFF_ONLY),
    "POST /api/centres/{code:str}/units": Route(STAFF_ONLY, body={"number": "x"}),
    "PATCH /api/centres/{code:str}/units/{number:str}": Route(STAFF_ONLY, body={}),
    "POST /api/centres/{code:str}/units/{number:str}/closures": Route(STAFF_ONLY, body={}),
    "GET /api/centres/{code:str}/occupancy": Route(
        CENTRE_STAFF, query={"from": "2026-12-20", "to": "2026-12-24"}
    ),
    "GET /api/seasons": Route(STAFF_ONLY),
    "POST /api/seasons": Route(STAFF_ONLY, body={}),
    "PATCH /api/seasons/{code:str}": Route(STAFF_ONLY, body={}),
    "GET /api/tariffs": Route(STAFF_ONLY),
    "PUT /api/tariffs": Route(STAFF_ONLY, body={}),
    "GET /api/quotas": Route(STAFF_ONLY),
    "PUT /api/quotas": Route(STAFF_ONLY, body={}),
    # Booking
    "GET /api/availability": Route(
        MEMBER_OR_STAFF,
        query={"centre": "ifrane", "arrival": "2027-01-10", "departure": "2027-01-13", "guests": "2"},
    ),
    "POST /api/bookings": Route(
        MEMBER_OR_STAFF, body={**STAY, "arrival": "2027-02-10", "departure": "2027-02-13"}
    ),
    "GET /api/bookings": Route(LOGGED_IN),
    "GET /api/reminders": Route(MEMBER_ONLY),  # each member's own list: nobody else's to find
    f"GET {BOOKING}": Route(VISIBLE_BOOKING),
    f"POST {BOOKING}/move": Route(STAFF_ONLY, body={"unit": "no-such-unit"}),
    # Reception (issue 22): the desk's day at a centre, a stay's check-in, check-out, no-show, end.
    f"POST {BOOKING}/check-in": Route(DESK_BOOKING, body={}),
    f"POST {BOOKING}/check-out": Route(DESK_BOOKING, body={}),
    f"POST {BOOKING}/no-show": Route(DESK_BOOKING, body={}),
    f"POST {BOOKING}/end-early": Route(STAFF_ONLY, body={"refund": "none"}),
    "GET /api/centres/{code:str}/arrivals": Route(CENTRE_STAFF, query={"date": "2026-12-20"}),
    "GET /api/centres/{code:str}/departures": Route(CENTRE_STAFF, query={"date": "2026-12-24"}),
    "GET /api/centres/{code:str}/housekeeping": Route(CENTRE_STAFF),
    "PUT /api/centres/{code:str}/units/{number:str}/housekeeping": Route(
        CENTRE_STAFF, body={"state": "clean"}
    ),
    # A receipt: the payment's member, that centre's manager, staff (a random id: nothing to find).
    # Centres as places, the pass offline (issue 19).
    "GET /centres/{code:str}": Route(PAGE_LOGGED_IN),
    "GET /centres/{code:str}/photos/{name:str}": Route(PAGE_LOGGED_IN),
    "GET /sw.js": Route(PUBLIC),
    "GET /bookings/{booking_id:uuid}/gate": Route(PAGE_OWN),
    "GET /bookings/{booking_id:uuid}/stay.ics": Route(PAGE_OWN),
    "GET /api/payments/{payment_id:uuid}/receipt.pdf": Route(VISIBLE_BOOKING, nothing_to_find=True),
    f"PUT {BOOKING}/party": Route(OWN_OR_STAFF, body={"party": []}),
    "GET /api/booking-policy": Route(STAFF_ONLY),
    "PUT /api/booking-policy": Route(STAFF_ONLY, body={}),
    "GET /api/promotions": Route(STAFF_ONLY),
    "POST /api/promotions": Route(STAFF_ONLY, body={}),
    "GET /api/promotions/{promotion_id:int}": Route(STAFF_ONLY),
    "PATCH /api/promotions/{promotion_id:int}": Route(STAFF_ONLY, body={}),
    # Payments
    # Staff's 403 here is the handler's: a card payment is the member's own (staff pay by payroll for
    # a member, tests/e2e/test_on_behalf.py).
    f"POST {BOOKING}/checkout": Route(OWN_OBJECT, body={"method": "card"}),
    "POST /api/payments/stripe/webhook": Route(PUBLIC, body={}),  # Stripe's signature, checked inside
    "POST /api/payments/cmi/callback": Route(PUBLIC, body={}),  # CMI's hash, checked inside (FAILURE)
    f"GET {BOOKING}/refunds": Route(VISIBLE_BOOKING),
    f"GET {BOOKING}/payments": Route(VISIBLE_BOOKING),
    "GET /api/payments/refunds/owed": Route(STAFF_ONLY),
    "POST /api/payments/refunds/{refund_id:uuid}/made": Route(
        STAFF_ONLY, body={"transaction_id": "T1"}, nothing_to_find=True
    ),
    # The test-mode payment page: the member's own payment only (a page of the member's).
    "GET /payments/test/{ref:str}": Route(PAGE_OWN),
    "POST /payments/test/{ref:str}/confirm": Route(PAGE_OWN, form=True),
    # Access: passes (the member's own), devices (staff), the gates' endpoints (device token)
    f"GET {BOOKING}/pass": Route(OWN_OBJECT),
    f"GET {BOOKING}/pass.png": Route(OWN_OBJECT),
    f"POST {BOOKING}/pass/reissue": Route(OWN_OBJECT),
    "GET /api/access/device": Route(DEVICE_ONLY),
    "GET /api/access/keys": Route(DEVICE_ONLY),
    "GET /api/access/revocations": Route(DEVICE_ONLY),
    "POST /api/access/scans": Route(DEVICE_ONLY, body={"events": []}),
    "GET /api/access/scan-feed": Route(DEVICE_ONLY),
    "GET /api/access/roster": Route(DEVICE_ONLY),
    "POST /api/access/device/report": Route(
        DEVICE_ONLY, body={"version": "0.1.0", "backlog": 0, "clock": "2026-11-23T09:00:00+00:00"}
    ),
    "GET /api/access/devices": Route(STAFF_ONLY),
    "POST /api/access/devices": Route(STAFF_ONLY, body={"centre": "ifrane", "name": "sweep"}),
    "POST /api/access/devices/{device_id:uuid}/revoke": Route(STAFF_ONLY),
    "POST /api/access/passes/{pass_id:uuid}/revoke": Route(STAFF_ONLY),
    # Summer campaigns: the world opens one (CAMPAIGN) and the member applies to it.
    "GET /api/campaigns": Route(LOGGED_IN),
    "POST /api/campaigns": Route(STAFF_ONLY, body={}),
    f"GET {CAMPAIGN}": Route(LOGGED_IN),
    f"PATCH {CAMPAIGN}": Route(STAFF_ONLY, body={}),
    f"POST {CAMPAIGN}/close": Route(STAFF_ONLY),
    f"POST {CAMPAIGN}/draw": Route(STAFF_ONLY, body={}),
    f"POST {CAMPAIGN}/settle": Route(STAFF_ONLY),
    f"POST {CAMPAIGN}/open-sale": Route(STAFF_ONLY),
    f"GET {CAMPAIGN}/audit": Route(STAFF_ONLY),
    # The draw's published inputs and results: public, so that anyone can re-run and verify it.
    f"GET {CAMPAIGN}/inputs.json": Route(PUBLIC),
    f"GET {CAMPAIGN}/results.json": Route(PUBLIC),
    f"GET {CAMPAIGN}/results.csv": Route(PUBLIC),
    f"GET {CAMPAIGN}/offers.csv": Route(PUBLIC),
    # The caller's own application: another member has none (404) until they apply themselves.
    f"GET {CAMPAIGN}/application": Route(OWN_OBJECT),
    f"GET {CAMPAIGN}/applications/{{public_id:str}}": Route(OWN_OR_STAFF),
    f"PUT {CAMPAIGN}/application": Route(MEMBER_ONLY, body={}),
    # Nobody holds an offer in this world: the member's decline is the handler's "no offer" (404).
    f"POST {CAMPAIGN}/application/decline": Route(OWN_OBJECT, nothing_to_find=True),
    f"DELETE {CAMPAIGN}/application": Route(OWN_OBJECT),
    # Web pages (cookie or bearer token): the anonymous are sent to the login page. Their forms are
    # posted here with the CSRF token; test_a_form_post_without_its_csrf_token_is_refused covers the rest.
    "GET /": Route(PAGE_LOGGED_IN),
    "GET /login": Route(PUBLIC),
    "POST /login": Route(PUBLIC, body={"username": "M0003", "password": PASSWORD}, form=True),
    # Anyone may log out or pick a language; the pages they land on next ask the anonymous to log in.
    "POST /logout": Route(_profile(**dict.fromkeys(CALLERS, LOGIN)), form=True),
    # Without a refresh cookie, to the login page.
    "GET /session/refresh": Route(_profile(**dict.fromkeys(CALLERS, LOGIN))),
    # Activation and password reset by code: the pages of someone who cannot log in (yet).
    "GET /activate": Route(PUBLIC),
    "POST /activate": Route(PUBLIC, body={"member_number": "M0003", "birth_date": "1970-01-01"}, form=True),
    "GET /password-reset": Route(PUBLIC),
    "POST /password-reset": Route(PUBLIC, body={"username": "nobody"}, form=True),
    "GET /activate/code": Route(PUBLIC),
    "GET /password-reset/code": Route(PUBLIC),
    "POST /activate/code": Route(PUBLIC, body={"username": "M0003", "code": "0", "password": "x"}, form=True),
    "POST /password-reset/code": Route(
        PUBLIC, body={"username": "M0003", "code": "0", "password": "x"}, form=True
    ),
    "GET /staff/roster": Route(PAGE_STAFF),
    "POST /staff/roster": Route(PAGE_STAFF, body={}, form=True),  # no file: the form's problem (400)
    "POST /staff/roster/apply": Route(PAGE_STAFF, body={"key": "x"}, form=True),  # nothing kept (409)
    "GET /staff/accounts": Route(PAGE_STAFF),
    "POST /staff/accounts": Route(PAGE_STAFF, body={}, form=True),
    "GET /staff/accounts/{username:str}": Route(PAGE_STAFF),
    "POST /staff/accounts/{username:str}": Route(
        PAGE_STAFF, body={"role": "manager", "centres": "saidia"}, form=True
    ),
    "GET /staff/outbox": Route(PAGE_STAFF),
    # No message exists in this world: staff's 404 is the handler's (no such message).
    "POST /staff/outbox/{message_id:uuid}/resend": Route(PAGE_STAFF, form=True, nothing_to_find=True),
    "GET /me/messages": Route(PAGE_MEMBER),
    "POST /lang": Route(PAGE_LOGGED_IN, body={"lang": "ar"}, form=True),
    "GET /static/{file_path:path}": Route(PUBLIC),
    "GET /search": Route(PAGE_MEMBER),
    "POST /search/hold": Route(PAGE_MEMBER, body={}, form=True),
    "GET /bookings": Route(PAGE_MEMBER),
    "GET /bookings/{booking_id:uuid}": Route(PAGE_OWN),
    "GET /bookings/{booking_id:uuid}/cancel": Route(PAGE_OWN),
    "POST /bookings/{booking_id:uuid}/pay": Route(PAGE_OWN, form=True),
    "POST /bookings/{booking_id:uuid}/rate": Route(PAGE_OWN, body={}, form=True),
    "POST /bookings/{booking_id:uuid}/party": Route(PAGE_OWN, body={}, form=True),
    "GET /me": Route(PAGE_MEMBER),
    "GET /me/data": Route(PAGE_MEMBER),
    "POST /me/contact": Route(PAGE_MEMBER, body={}, form=True),
    "POST /me/email": Route(PAGE_MEMBER, body={}, form=True),
    "POST /me/email/confirm": Route(PAGE_MEMBER, body={}, form=True),
    # The summer page: a member's own application and offer, found by the campaign's code.
    "GET /summer": Route(PAGE_MEMBER),
    "POST /summer/{code:str}/application": Route(PAGE_MEMBER, body={}, form=True),
    # The API's DELETE above withdrew the member's application already; nobody holds an offer.
    "POST /summer/{code:str}/withdraw": Route(PAGE_OWN, form=True, nothing_to_find=True),
    "GET /summer/{code:str}/decline": Route(PAGE_OWN, nothing_to_find=True),
    "POST /summer/{code:str}/decline": Route(PAGE_OWN, form=True, nothing_to_find=True),
    "GET /manage": Route(PAGE_MANAGERS),
    "GET /account": Route(PAGE_MANAGERS),
    "POST /account/password": Route(PAGE_MANAGERS, body={}, form=True),
    "GET /manage/{code:str}": Route(PAGE_CENTRE),
    "GET /manage/{code:str}/kpis": Route(PAGE_CENTRE),
    "GET /manage/{code:str}/occupancy.csv": Route(PAGE_CENTRE),
    "GET /manage/{code:str}/on-site": Route(PAGE_CENTRE, stream=True),
    # The desk's steps from the page (before the arrival day: the allowed callers' 409 is the handler's).
    "POST /manage/{code:str}/bookings/{booking_id:uuid}/check-in": Route(PAGE_DESK_BOOKING, form=True),
    "POST /manage/{code:str}/bookings/{booking_id:uuid}/check-out": Route(PAGE_DESK_BOOKING, form=True),
    "POST /manage/{code:str}/bookings/{booking_id:uuid}/no-show": Route(PAGE_DESK_BOOKING, form=True),
    "POST /manage/{code:str}/units/{number:str}/housekeeping": Route(PAGE_CENTRE, body={}, form=True),
    "GET /staff": Route(PAGE_STAFF),
    "GET /staff/config": Route(PAGE_STAFF),  # a redirect to the first subject's page
    "GET /staff/config/{what:str}": Route(PAGE_STAFF),  # seasons, tariffs, quotas
    "GET /staff/devices": Route(PAGE_STAFF),
    "POST /staff/devices": Route(PAGE_STAFF, body={}, form=True),
    "POST /staff/devices/{device_id:uuid}/revoke": Route(PAGE_STAFF, body={}, form=True),
    "GET /staff/promotions": Route(PAGE_STAFF),
    "POST /staff/promotions": Route(PAGE_STAFF, body={}, form=True),
    "GET /staff/promotions/{promotion_id:int}": Route(PAGE_STAFF),
    "POST /staff/promotions/{promotion_id:int}": Route(PAGE_STAFF, body={}, form=True),
    "POST /staff/config/{what:str}": Route(PAGE_STAFF, body={}, form=True),
    "GET /staff/audit": Route(PAGE_STAFF),
    "GET /staff/members": Route(PAGE_STAFF),
    "GET /staff/members/{number:str}": Route(PAGE_STAFF),
    "POST /staff/members/{number:str}/hold": Route(PAGE_STAFF, body={}, form=True),
    "GET /staff/bookings/{booking_id:uuid}": Route(PAGE_STAFF),
    "POST /staff/bookings/{booking_id:uuid}/pay": Route(PAGE_STAFF, body={}, form=True),
    "POST /staff/bookings/{booking_id:uuid}/party": Route(PAGE_STAFF, body={}, form=True),
    # Summer campaigns' page: staff only. The world's campaign is open: opening it again is 409 and
    # putting it on open sale before the draw is 409, both the handler's.
    "GET /staff/campaigns": Route(PAGE_STAFF),
    "GET /staff/campaigns/{code:str}": Route(PAGE_STAFF),
    "POST /staff/campaigns/{code:str}": Route(
        PAGE_STAFF, body={"applications_close_on": "2026-12-01"}, form=True
    ),
    "GET /staff/campaigns/{code:str}/{action:str}": Route(PAGE_STAFF),
    "POST /staff/campaigns/{code:str}/{action:str}": Route(PAGE_STAFF, body={}, form=True),
    # A stay ended early: staff only (the world's stay is not in progress: staff's 409 is the handler's).
    "GET /staff/bookings/{booking_id:uuid}/end-early": Route(PAGE_STAFF),
    "POST /staff/bookings/{booking_id:uuid}/end-early": Route(PAGE_STAFF, body={"refund": "none"}, form=True),
    # Last: they end the booking the routes above use.
    "POST /bookings/{booking_id:uuid}/cancel": Route(PAGE_OWN, form=True),
    f"POST {BOOKING}/cancel": Route(OWN_OR_STAFF),
    # The very last: each caller's session ends here.
    "POST /api/auth/logout": Route(LOGGED_IN),
}


@dataclass
class World:
    """The objects the sweep's paths point at, and each caller's headers."""

    headers: dict[str, dict[str, str]]
    params: dict[str, str]


@pytest.fixture
async def sweep_client(settings: Settings, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    # Every caller logs in many times: the login rate limit is not what this test is about.
    app = create_app(dataclasses.replace(settings, login_attempts_per_minute=10_000), clock=clock)
    async with AsyncTestClient(app=app) as client:
        yield client


async def _world(client: AsyncTestClient[Any]) -> World:
    users = {
        "member": "M0001",
        "other_member": "M0002",
        "manager_elsewhere": "manager-saidia",
        "manager": "manager-ifrane",
        "staff": "staff",
    }
    headers = {"anonymous": {}} | {caller: await login(client, name) for caller, name in users.items()}
    member, staff = headers["member"], headers["staff"]
    booking = (await hold(client, member)).json()
    checkout = (
        await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    ).json()
    ref = checkout["redirect_url"].split("?")[0].rsplit("/", 1)[1]
    confirmed = await client.post(f"/payments/test/{ref}/confirm", headers=member, follow_redirects=False)
    assert confirmed.status_code == 303
    issued = (await client.get(f"/api/bookings/{booking['id']}/pass", headers=member)).json()
    devices = []
    for name in ("gate", "spare"):
        created = await client.post(
            "/api/access/devices", json={"centre": "ifrane", "name": name}, headers=staff
        )
        devices.append(created.json())
    headers["device"] = {"Authorization": f"Bearer {devices[0]['token']}"}
    unit = (await client.get("/api/centres/ifrane/units", headers=staff)).json()[0]
    promotion = (await client.get("/api/promotions", headers=staff)).json()[0]
    seasons = (await client.get("/api/seasons", headers=staff)).json()
    campaign = await client.post(
        "/api/campaigns",
        json={"season": CAMPAIGN_CODE, "applications_close_at": (NOW + timedelta(days=7)).isoformat()},
        headers=staff,
    )
    assert campaign.status_code == 201, campaign.text
    application = await client.put(
        f"/api/campaigns/{CAMPAIGN_CODE}/application",
        json={"choices": [{"centre": "ifrane", "rotation": "r1", "unit_type": "bungalow"}], "party_size": 4},
        headers=member,
    )
    assert application.status_code == 201, application.text
    # A page sets the CSRF cookie; a browser's forms echo it in a field or header.
    assert (await client.get("/login")).status_code == 200
    csrf = client.cookies.get("estivage_csrf")
    assert csrf
    params = {
        "booking_id": booking["id"],
        "ref": ref,
        "pass_id": issued["pass_id"],
        "device_id": devices[1]["device_id"],
        "code": "ifrane",
        "type_code": "studio",
        "number": unit["number"],
        "promotion_id": str(promotion["id"]),
        "path": "no-such-document",
        "file_path": "app.css",
        "what": "seasons",
        "public_id": application.json()["public_id"],
        "campaign_code": CAMPAIGN_CODE,
        "csrf": csrf,
        "refund_id": str(uuid.uuid4()),  # none owed in this world: staff's 404 is the handler's
        "message_id": str(uuid.uuid4()),
        "payment_id": str(uuid.uuid4()),
        "name": "ifrane-1.jpg",  # no message in this world: staff's 404 is the handler's
    }
    # A season's code, for PATCH /api/seasons/{code}: the path's {code} is a centre's elsewhere.
    params["season_code"] = seasons[0]["code"]
    params["member_number"] = "M0001"
    params["username"] = "manager-saidia"
    params["action"] = "open-sale"  # a campaign's step on the staff page: refused before the draw
    return World(headers, params)


def _path(template: str, params: dict[str, str]) -> str:
    path = template
    if template.startswith("/api/seasons/"):
        path = path.replace("{code:str}", params["season_code"])
    if template.startswith(("/api/campaigns/", "/summer/", "/staff/campaigns/")):
        path = path.replace("{code:str}", params["campaign_code"])
    if template.startswith("/staff/members/"):  # a member's number there, a unit's elsewhere
        path = path.replace("{number:str}", params["member_number"])
    for name, value in params.items():
        for kind in ("uuid", "str", "int", "path"):
            path = path.replace(f"{{{name}:{kind}}}", value)
    assert "{" not in path, f"no value for a parameter of {template}"
    return path


def app_routes(app: Litestar) -> set[str]:
    """Every (method, path) the app answers, without the OPTIONS and HEAD that Litestar adds."""
    found = set()
    for route in app.routes:
        for method in getattr(route, "route_handler_map", {}):
            if method not in {"OPTIONS", "HEAD"}:
                found.add(f"{method} {route.path}")
    return found


def _outcome(response: Any) -> str:
    if response.status_code in {302, 303, 307} and response.headers.get("location", "").startswith("/login"):
        return LOGIN
    return str(response.status_code) if response.status_code in {401, 403, 404} else OK


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the routes do not depend on it
async def test_every_route_is_classified(app: Litestar) -> None:
    routes = app_routes(app)
    unclassified = sorted(routes - ACCESS.keys())
    assert not unclassified, f"classify these routes in ACCESS (who may call them): {unclassified}"
    stale = sorted(key for key in ACCESS if key not in routes)
    assert not stale, f"these classified routes no longer exist: {stale}"


# On PostgreSQL only, as in production: ~700 requests; the guards and lookups are the same code on SQLite.
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_every_route_answers_each_caller_as_the_contract_says(
    sweep_client: AsyncTestClient[Any],
) -> None:
    client = sweep_client
    world = await _world(client)
    present = app_routes(client.app)
    wrong = []
    for key, route in ACCESS.items():
        if key not in present:
            continue
        method, template = key.split(" ", 1)
        path = _path(template, world.params)
        # The allowed callers last: a denied call must not depend on what an allowed one changed.
        for caller in sorted(CALLERS, key=lambda c: route.access[c] == OK):
            if route.stream and route.access[caller] == OK:
                continue
            csrf = {"x-csrftoken": world.params["csrf"]} if route.form else {}
            response = await client.request(
                method,
                path,
                headers={**world.headers[caller], **csrf},
                params=route.query,
                json=route.body if method in {"POST", "PUT", "PATCH"} and not route.form else None,
                data=route.body if route.form else None,
                follow_redirects=False,
            )
            assert response.status_code < 500, f"{key} as {caller}: {response.status_code} {response.text}"
            outcome, expected = _outcome(response), route.access[caller]
            if route.nothing_to_find and expected == OK and outcome == "404":
                continue
            if outcome != expected:
                wrong.append(f"{key} as {caller}: {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)


async def test_a_device_token_is_no_user_token_and_a_forged_token_is_nobody(
    sweep_client: AsyncTestClient[Any],
) -> None:
    client = sweep_client
    forged = {"Authorization": f"Bearer {uuid.uuid4().hex}"}
    assert (await client.get("/api/me", headers=forged)).status_code == 401
    assert (await client.get("/api/access/keys", headers=forged)).status_code == 401
    assert (await client.get("/api/access/keys", headers=await login(client, "staff"))).status_code == 401


async def test_a_form_post_without_its_csrf_token_is_refused(sweep_client: AsyncTestClient[Any]) -> None:
    client = sweep_client
    member = await login(client, "M0001")
    session = {"Cookie": f'estivage_session="{member["Authorization"]}"'}  # as the login page sets it
    assert (await client.get("/login")).status_code == 200  # the CSRF cookie alone is not enough
    for path in ("/logout", "/lang", "/search/hold"):
        refused = await client.post(path, headers=session, data={"lang": "ar"}, follow_redirects=False)
        assert refused.status_code == 403, path
