"""Observability: structured logs with a request id, and Prometheus metrics.

Logs: structlog, one JSON object per line in production and coloured console lines in development
(``ESTIVAGE_LOG_FORMAT=json|console``; ``auto`` picks console on a terminal, JSON otherwise). The
standard library's loggers (uvicorn, Litestar, ``logging.getLogger("estivage")``) go through the same
renderer, so every line of a request carries its ``request_id``: the caller's ``X-Request-ID`` when it
is sane, a new one otherwise, returned in the response's ``X-Request-ID`` header.

Metrics at ``/metrics``: request latencies per route template (Litestar's Prometheus middleware) and
business counters, counted from the domain events once their transaction has committed (a rolled-back
hold counts nothing; ``estivage.bootstrap`` subscribes them).
See docs/operations.md for multiprocess mode and who may read ``/metrics``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from wsgiref.simple_server import WSGIRequestHandler, make_server

import structlog
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController, PrometheusMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, make_wsgi_app, start_http_server

from access.events import GateScansStored
from booking.domain.states import BookingStatus
from booking.events import BookingCancelled, BookingConfirmed, BookingHeld, HoldsLapsed
from kernel.events import EventHandlers
from payments.events import PaymentSucceeded, RefundIssued

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_HEADER = b"x-request-id"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_QUIET_PATHS = frozenset({"/health", "/metrics"})

# Business counters. Amounts are in minor units (centimes) with the currency as a label.
HOLDS_CREATED = Counter("estivage_holds_created_total", "Holds placed (bookings created in status held)")
BOOKING_TRANSITIONS = Counter(
    "estivage_bookings_total", "Bookings reaching a state: confirmed, cancelled or expired", ["status"]
)
PAYMENTS_SUCCEEDED = Counter("estivage_payments_succeeded_total", "Payments that succeeded", ["provider"])
PAYMENTS_SUCCEEDED_AMOUNT = Counter(
    "estivage_payments_succeeded_amount_minor_total",
    "Money received, in minor units",
    ["provider", "currency"],
)
REFUNDS = Counter("estivage_payment_refunds_total", "Refunds recorded", ["reason"])
REFUNDS_AMOUNT = Counter(
    "estivage_payment_refunded_amount_minor_total", "Money refunded, in minor units", ["currency"]
)
GATE_SCANS = Counter(
    "estivage_gate_scans_total", "Gate scans uploaded by the devices", ["decision", "direction"]
)
STORE_ERRORS = Counter(
    "estivage_store_errors_total",
    "Shared store (Redis) operations that failed and were degraded",
    ["operation"],
)


logger = structlog.get_logger("estivage.observability")


# --- logs -----------------------------------------------------------------------------------------


def _renderer(log_format: str) -> Any:
    if log_format == "auto":
        log_format = "console" if sys.stderr.isatty() else "json"
    if log_format == "console":
        return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    return structlog.processors.JSONRenderer()


_RENDERED = "estivage_rendered"


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, which lets an access line through as it was rendered (``AccessLog``)."""

    def format(self, record: logging.LogRecord) -> str:
        rendered = getattr(record, _RENDERED, None)
        return rendered if isinstance(rendered, str) else super().format(record)


class AccessLog:
    """The one line per request, written with the same fields, renderer and handlers as any other line
    but without structlog's processor chain run twice (bound logger, then formatter): the rush writes
    thousands a second, and the chain cost ~19 µs a line against ~9 here (bench/rush.py, issue 21).
    Written by hand because the fields are fixed and few; the record still goes through the standard
    library's logger, so its level, handlers and the tests' captures apply as to any other line."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("estivage.observability")
        self.render: Callable[[Any, str, dict[str, Any]], Any] | None = None
        self.stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)

    def write(self, request_id: str, scope: Scope, status: int, duration_ms: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        fields = {
            "method": scope.get("method"),
            "path": scope.get("path"),
            "route": scope.get("path_template"),
            "status": status,
            "duration_ms": duration_ms,
        }
        if self.render is None:  # logging not configured by us: structlog's defaults
            logger.info("request", request_id=request_id, **fields)
            return
        event = {"request_id": request_id, "event": "request", **fields}
        event.update(level="info", logger=self.logger.name)
        record = self.logger.makeRecord(self.logger.name, logging.INFO, __file__, 0, "request", (), None)
        record.__dict__.update(fields, request_id=request_id)
        stamped = self.stamp(None, "info", event)
        setattr(record, _RENDERED, self.render(None, "info", cast("dict[str, Any]", stamped)))
        self.logger.handle(record)


ACCESS_LOG = AccessLog()


def configure_logging(log_format: str = "auto", level: int | str = logging.INFO) -> None:
    """structlog for our own lines and the standard library's, one renderer for both."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        ACCESS_LOG.stamp,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = _renderer(log_format)
    ACCESS_LOG.render = renderer
    formatter = _Formatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # The console renderer prints tracebacks itself; JSON needs them as a string field.
            *(
                []
                if isinstance(renderer, structlog.dev.ConsoleRenderer)
                else [structlog.processors.format_exc_info]
            ),
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.set_name("estivage")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "estivage"] + [handler]
    root.setLevel(level)
    # uvicorn's own handlers would print its lines a second time, unformatted.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # The app writes one access line per request itself, with its request id and route template
    # (``request_context``); uvicorn's would repeat each one, probes included. uvicorn decides whether
    # to write them by asking this logger for handlers, its ancestors' included: none, and none above.
    access = logging.getLogger("uvicorn.access")
    access.handlers, access.propagate = [], False
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin at start


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1")
            if _SANE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def request_context(app: ASGIApp) -> ASGIApp:
    """Outermost ASGI wrapper: a request id bound to every log line of the request, echoed in the
    response, and one access line per request (route template, status, duration)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, request_id.encode())]}
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            if scope.get("path") not in _QUIET_PATHS:
                ACCESS_LOG.write(request_id, scope, status, round((time.perf_counter() - started) * 1000, 2))
            structlog.contextvars.clear_contextvars()

    return middleware


def instrument(app: Litestar) -> Litestar:
    """Wrap the whole ASGI handler (unrouted 404s included) in the request context."""
    app.asgi_handler = request_context(app.asgi_handler)
    return app


# --- metrics endpoint -----------------------------------------------------------------------------


class RouteMetrics(PrometheusMiddleware):
    """Litestar's Prometheus middleware, the same metrics, labels and series, with each labelled series
    looked up once and kept: upstream builds a Request, a label dict and four ``labels()`` lookups (each
    formats and locks) on every request, ~4% of a refused hold's CPU in the opening-day rush
    (bench/rush.py, issue 21). A series is made when upstream would make it (a request's count and
    duration once a response of that status ends, an error only for a 5xx) and never changes after
    (nothing here removes one), so keeping it is exact. Written here because upstream has no such
    option; a configuration with extra labels or exemplars, which this does not need, goes through
    upstream's code."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._series: dict[tuple[str, str, str, int], Any] = {}
        self._plain = not (config.labels or config.exemplars or config.excluded_http_methods)

    def _series_of(self, kind: str, method: str, path: str, status: int) -> Any:
        key = (kind, method, path, status)
        series = self._series.get(key)
        if series is None:
            labels: dict[str, str | int | float] = {
                "method": method,
                "path": path,
                "status_code": status,
                "app_name": self._config.app_name,
            }
            metric = {
                "in progress": self.requests_in_progress,
                "count": self.request_count,
                "duration": self.request_time,
                "errors": self.requests_error_count,
            }[kind](labels)
            series = self._series[key] = metric.labels(*labels.values())
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._plain:
            await super().__call__(scope, receive, send)
            return
        method = scope["method"] if scope["type"] == ScopeType.HTTP else scope["type"]
        grouped = self._config.group_path
        path = scope["path_template"] if grouped else scope.get("root_path", "") + scope["path"]
        started = time.perf_counter()
        status, duration = 200, 0.0

        async def timed_send(message: Message) -> None:
            nonlocal status, duration
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                duration = time.perf_counter() - started
            await send(message)

        in_progress = self._series_of("in progress", method, path, 200)  # upstream's: always 200
        in_progress.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_progress.dec()
            if status >= 500:
                self._series_of("errors", method, path, status).inc()
            self._series_of("count", method, path, status).inc()
            self._series_of("duration", method, path, status).observe(duration)


def prometheus_config() -> PrometheusConfig:
    """Latency histograms labelled by route template (bounded cardinality), not by raw path."""
    return PrometheusConfig(
        app_name="estivage",
        prefix="estivage_http",
        group_path=True,
        exclude=["/metrics", "/health"],
        middleware_class=RouteMetrics,
    )


def metrics_guard(
    token: str | None,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """With ESTIVAGE_METRICS_TOKEN set, /metrics needs `Authorization: Bearer <that token>`."""

    # A coroutine: Litestar runs plain-function guards in a worker thread.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if token is None:
            return
        given = connection.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise NotAuthorizedException(detail="metrics need the scraper's bearer token")

    return guard


def metrics_controller(token: str | None) -> type[PrometheusController]:
    class MetricsController(PrometheusController):
        path = "/metrics"
        guards = [metrics_guard(token)]
        include_in_schema = False
        opt = {"exclude_from_auth": True}

    return MetricsController


# --- business counters from the domain events ------------------------------------------------------


def _count(counter: Counter, *labels: str, amount: float = 1) -> None:
    (counter.labels(*labels) if labels else counter).inc(amount)


def count_business_events(handlers: EventHandlers) -> None:
    """Subscribe the business counters to the domain events, after commit: a rolled-back hold counts
    nothing, and nothing here guesses from tables or status strings."""

    def paid(event: PaymentSucceeded) -> None:
        _count(PAYMENTS_SUCCEEDED, event.provider)
        _count(
            PAYMENTS_SUCCEEDED_AMOUNT, event.provider, event.amount.currency, amount=event.amount.amount_minor
        )

    def refunded(event: RefundIssued) -> None:
        _count(REFUNDS, event.reason)
        _count(REFUNDS_AMOUNT, event.amount.currency, amount=event.amount.amount_minor)

    def scanned(event: GateScansStored) -> None:
        for decision, direction, count in event.counts:
            _count(GATE_SCANS, decision, direction, amount=count)

    def lapsed(event: HoldsLapsed) -> None:
        if event.booking_ids:
            _count(BOOKING_TRANSITIONS, BookingStatus.EXPIRED, amount=len(event.booking_ids))

    handlers.after_commit(BookingHeld, lambda _e: _count(HOLDS_CREATED))
    handlers.after_commit(BookingConfirmed, lambda _e: _count(BOOKING_TRANSITIONS, BookingStatus.CONFIRMED))
    handlers.after_commit(BookingCancelled, lambda _e: _count(BOOKING_TRANSITIONS, BookingStatus.CANCELLED))
    handlers.after_commit(HoldsLapsed, lapsed)
    handlers.after_commit(PaymentSucceeded, paid)
    handlers.after_commit(RefundIssued, refunded)
    handlers.after_commit(GateScansStored, scanned)


def metrics_port_server(port: int | None, token: str | None = None) -> None:
    """The worker has no HTTP server of its own: expose its counters on a port when asked, behind the
    same bearer token as the API's /metrics when one is set."""
    if not port:
        return
    if token is None:
        start_http_server(port, addr="0.0.0.0")  # noqa: S104 - the compose network, never published
    else:
        server = make_server("0.0.0.0", port, _with_bearer(make_wsgi_app(), token), handler_class=_Quiet)  # noqa: S104
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("metrics served", port=port, token_required=token is not None)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a line each (the API does not log /metrics either)."""


def _with_bearer(app: WSGIApplication, token: str) -> WSGIApplication:
    expected = f"Bearer {token}".encode()

    def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        given = str(environ.get("HTTP_AUTHORIZATION", "")).encode()
        if not hmac.compare_digest(given, expected):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"metrics need the scraper's bearer token\n"]
        return app(environ, start_response)

    return guarded


def prepare_multiprocess_metrics(workers: int) -> None:
    """With several uvicorn workers, each process counts in files of a shared directory that /metrics
    reads as one (prometheus_client's multiprocess mode); emptied at start so that old counts go."""
    if workers <= 1:
        return
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="estivage-metrics-")
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


async def run_until_terminated(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` until it ends or SIGTERM/SIGINT arrives; then cancel it, so that its `finally`
    blocks run (the worker disposes of its database engine) and the process exits 0."""
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, task.cancel)
    logger.info("running: SIGTERM or SIGINT stops it")
    try:
        await task
    except asyncio.CancelledError:
        logger.info("stopped on signal")
