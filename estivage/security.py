"""What every response says to the browser about itself (docs/security.md).

One ASGI wrapper around the whole app, so that unrouted 404s, problem details and 500s carry the same
headers as the pages:

- ``Content-Security-Policy``: scripts and styles from this origin only (no inline script, no ``eval``),
  no plugins, no ``<base>``, forms posted to this origin only, and never framed. A few routes have a
  named policy of their own (``ROUTE_POLICIES``): the CMI checkout page posts its form to CMI's gateway,
  the card page runs Stripe.js, the API's documentation page needs inline styles.
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: same-origin`` (a booking's address never leaves for another site).
- ``Cache-Control: no-store`` on whatever did not say otherwise (the static files do): passes, their PNGs
  and the pages that show them are never kept by a shared cache, nor is anyone's personal data.
- Every cookie is ``Secure`` when the request came over https: the scheme the ASGI server saw, which
  behind the proxy is its ``X-Forwarded-Proto``, believed only from ``FORWARDED_ALLOW_IPS``
  (``estivage serve``), or always when ``ESTIVAGE_PUBLIC_URL`` is an https address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
        # The API's documentation page (its assets served from here: no CDN) styles itself inline.
        RoutePolicy("api_docs", re.compile(r"^/schema(/|$)"), {"style-src": ("'unsafe-inline'",)}),
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


async def _not_found(send: Send) -> None:
    body = b'{"type":"about:blank","title":"Not Found","status":404,"detail":"Not Found"}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": SecurityHeaders.headers(
                [(b"content-type", b"application/problem+json")], policy_text().encode(), secure=False
            ),
        }
    )
    await send({"type": "http.response.body", "body": body})
