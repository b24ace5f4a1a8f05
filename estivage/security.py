"""What every response says to the browser about itself (docs/security.md).

One ASGI wrapper around the whole app, so that unrouted 404s, problem details and 500s carry the same
headers as the pages:

- ``Content-Security-Policy``: scripts and styles from this origin only (no inline script, no ``eval``),
  no plugins, no ``<base>``, forms posted to this origin only, and never framed. A few routes have a
  named policy of their own (``route_policies``): the CMI checkout page posts its form to CMI's gateway,
  the card page runs Stripe.js. The API's documentation (/schema, estivage/openapi.py) needs none.
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: same-origin`` (a booking's address never leaves for another site).
- ``Cache-Control: no-store`` on whatever did not say otherwise (the static files do): passes, their PNGs
  and the pages that show them are never kept by a shared cache, nor is anyone's personal data.
- Every cookie is ``Secure`` when the request came over https: the scheme the ASGI server saw, which
  behind the proxy is its ``X-Forwarded-Proto``, believed only from ``FORWARDED_ALLOW_IPS``
  (``estivage serve``), or always when ``ESTIVAGE_PUBLIC_URL`` is an https address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from kernel.settings import Settings

BASE_POLICY: Mapping[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

# Stripe.js: its script, its card fields (frames) and the API it calls (docs.stripe.com, "CSP").
STRIPE_JS = "https://js.stripe.com"
STRIPE_FRAMES = (STRIPE_JS, "https://hooks.stripe.com")
STRIPE_API = "https://api.stripe.com"


@dataclass(frozen=True, slots=True)
class RoutePolicy:
    """A policy of its own for the paths ``pattern`` matches: the base policy with ``adds`` appended."""

    name: str
    pattern: re.Pattern[str]
    adds: Mapping[str, tuple[str, ...]]


def origin_of(url: str | None) -> str | None:
    """``https://host[:port]`` of an address, or None for an empty or relative one."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def route_policies(settings: Settings) -> tuple[RoutePolicy, ...]:
    cmi = origin_of(settings.cmi_gateway_url)
    return (
        # Our page that posts the signed form to CMI's hosted payment page by itself (cmi-submit.js).
        RoutePolicy(
            "cmi_checkout", re.compile(r"^/payments/cmi/[^/]+/go$"), {"form-action": (cmi,) if cmi else ()}
        ),
        # The card form (pay_card.html), the answer to the booking page's POST …/pay.
        RoutePolicy(
            "card_checkout",
            re.compile(r"^/bookings/[^/]+/pay$"),
            {"script-src": (STRIPE_JS,), "frame-src": STRIPE_FRAMES, "connect-src": (STRIPE_API,)},
        ),
    )


def policy_text(adds: Mapping[str, tuple[str, ...]] | None = None) -> str:
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for name, sources in (adds or {}).items():
        directives.setdefault(name, []).extend(source for source in sources if source not in directives[name])
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class SecurityHeaders:
    """The headers above, computed once per policy; ``for_path`` picks the route's."""

    def __init__(self, settings: Settings) -> None:
        self.routes = [
            (route.pattern, policy_text(route.adds).encode()) for route in route_policies(settings)
        ]
        self.default = policy_text().encode()
        self.always_secure = (settings.public_url or "").startswith("https://")

    def csp_for(self, path: str) -> bytes:
        return next((text for pattern, text in self.routes if pattern.match(path)), self.default)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            if "\x00" in scope["path"]:  # no file or route has a NUL in its name (issue 15, item 14)
                await _not_found(send)
                return
            if sum(len(name) + len(value) for name, value in scope["headers"]) > HEADERS_MAX_BYTES:
                await _problem(send, 431, "the request's headers are too large")
                return
            if _is_form(scope):
                bounded = await _bounded_form(scope, receive, send)
                if bounded is None:
                    return
                receive = bounded
            csp = self.csp_for(scope["path"])
            secure = self.always_secure or scope.get("scheme") == "https"

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": self.headers(message.get("headers", ()), csp, secure)}
                await send(message)

            await app(scope, receive, send_with_headers)

        return with_headers

    @staticmethod
    def headers(given: Iterable[tuple[bytes, bytes]], csp: bytes, secure: bool) -> list[tuple[bytes, bytes]]:
        headers = list(given)
        present = {k.lower() for k, _ in headers}
        if secure:
            headers = [(k, _secure_cookie(v) if k.lower() == b"set-cookie" else v) for k, v in headers]
        for name, value in (
            (b"content-security-policy", csp),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"cache-control", b"no-store"),
        ):
            if name not in present:
                headers.append((name, value))
        return headers


def _secure_cookie(value: bytes) -> bytes:
    attributes = {part.strip().lower() for part in value.split(b";")[1:]}
    return value if b"secure" in attributes else value + b"; Secure"


# What nginx lets through by default (4 buffers of 8k): more is no browser's nor app's. uvicorn's
# httptools parser takes headers of any size, and Litestar's cookie parser spends 1.6 s of the event
# loop on a 1 MB Cookie header, before any authentication: refused here first (431).
HEADERS_MAX_BYTES = 32 * 1024
# A JSON body: the largest anyone sends is a gate's batch of 1,000 scans (some 250 KB). Litestar reads
# at most this much before decoding (413 beyond); its default is 10 MB. nginx refuses 2 MB anyway.
BODY_MAX_BYTES = 1024 * 1024

# A page's form is a few kilobytes and a few dozen fields; bounded before anyone parses it (the CSRF
# check, Litestar's form parser), so a 9 MB body of 900,000 fields never ties up the worker (item 15).
FORM_MAX_BYTES = 64 * 1024
FORM_MAX_FIELDS = 500
# The one form that carries a file: head office's roster upload (estivage/web/staff_roster.py), the HR
# export of some 50,000 members at a few hundred bytes a line.
UPLOAD_MAX_BYTES = 16 * 1024 * 1024
UPLOAD_PATHS = frozenset({"/staff/roster"})
_FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def _is_form(scope: Scope) -> bool:
    content_type = dict(scope.get("headers", ())).get(b"content-type", b"").lower()
    return content_type.startswith(_FORM_TYPES)


async def _bounded_form(scope: Scope, receive: Receive, send: Send) -> Receive | None:
    """The form's body read here, at most ``FORM_MAX_BYTES`` (``UPLOAD_MAX_BYTES`` on an upload's path)
    and ``FORM_MAX_FIELDS``; then handed on as it came. None when refused (a 413 or 400 problem has
    been sent)."""
    headers = dict(scope.get("headers", ()))
    limit = UPLOAD_MAX_BYTES if scope["path"].rstrip("/") in UPLOAD_PATHS else FORM_MAX_BYTES
    length = headers.get(b"content-length", b"")
    if length.isdigit() and int(length) > limit:
        await _problem(send, 413, "the form is too large")
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            await _problem(send, 413, "the form is too large")
            return None
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    # A multipart form's fields are its parts (an uploaded file's "&" are not fields).
    multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
    fields = body.count(b"\r\nContent-Disposition") if multipart else body.count(b"&")
    if fields >= FORM_MAX_FIELDS:
        await _problem(send, 400, "the form has too many fields")
        return None
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _not_found(send: Send) -> None:
    await _problem(send, 404, "Not Found")


async def _problem(send: Send, status: int, detail: str) -> None:
    title = {
        400: "Bad Request",
        404: "Not Found",
        413: "Content Too Large",
        431: "Request Header Fields Too Large",
    }[status]
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    headers = [(b"content-type", b"application/problem+json")]
    start: Any = {
        "type": "http.response.start",
        "status": status,
        "headers": SecurityHeaders.headers(headers, policy_text().encode(), secure=False),
    }
    await send(start)
    end: Any = {"type": "http.response.body", "body": body}
    await send(end)
