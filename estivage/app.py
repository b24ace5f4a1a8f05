"""The application factory: one Litestar app wiring the domain packages together."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import SESSION_TERMINUS_ASGI_EVENTS
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.types import Message, Scope
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from access.controllers import DeviceController, GateController, OccupancyController, PassController
from accounts.audit.controllers import AuditController
from accounts.contact.controllers import ContactController
from accounts.controllers import make_auth_controller
from accounts.staff.controllers import StaffAccountController
from accounts.tokens import AccountStates, jwt_auth
from booking.campaigns.controllers import CampaignController
from booking.controllers import (
    AvailabilityController,
    BookingController,
    BookingPolicyController,
    PromotionController,
    ReminderController,
)
from booking.reception.controllers import ReceptionController
from booking.searches import SearchLog
from estivage import bootstrap, observability
from estivage.account_feed import account_feed
from estivage.admission import admission
from estivage.dependencies import resolve_dependencies_in_turn
from estivage.desk import DeskController
from estivage.mail import in_app_sender, mail_config
from estivage.openapi import DescribedSchemas, OfflineSwaggerPlugin, ProblemAwareJsonPlugin
from estivage.personal_data import PersonalDataController
from estivage.problems import (
    bad_data_handler,
    internal_error_handler,
    problem_details_config,
    too_deep_handler,
)
from estivage.security import BODY_MAX_BYTES, SecurityHeaders
from estivage.stores import store_registry, store_state
from estivage.web import csrf_middleware, template_config, web_handlers
from estivage.web.flash import flash_plugin, flash_session
from estivage.web.kpis import KpiController
from inventory import changes
from inventory.controllers import CentreController, SeasonController
from kernel.clock import Clock, utc_now
from kernel.db import create_engine, session_factory, without_transaction
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from notifications.controllers import InboxController, OutboxController
from payments.controllers import (
    CheckoutController,
    CmiCallbackController,
    RefundController,
    StripeWebhookController,
)


@get("/health", exclude_from_auth=True, tags=["operations"], summary="Liveness")
async def health() -> dict[str, str]:
    """Answers 200 while the process runs; no database nor store is touched."""
    return {"status": "ok"}


@get(
    "/ready",
    exclude_from_auth=True,
    tags=["operations"],
    summary="Readiness: database reachable (503 if not); the shared store ok or degraded (still 200)",
)
async def ready(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]
) -> Response[dict[str, str]]:
    """For a load balancer: 503 while the database cannot be reached."""
    checks = {"database": "ok", "store": "ok"}
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the body says which part
        checks["database"] = "unavailable"
    try:
        checks["store"] = await store_state(request.app.stores.get("readiness"))
    except Exception:  # the embedded memory store does not fail; anything else is a degraded store
        checks["store"] = "degraded"
    # Without Redis the service still serves (docs/operations.md): degraded, not unready.
    status = "degraded" if checks["store"] != "ok" else "ok"
    if checks["database"] != "ok":
        status = "unavailable"
    return Response({"status": status, **checks}, status_code=503 if status == "unavailable" else 200)


def provide_now(state: State) -> datetime:
    clock: Clock = state.clock
    return clock()


async def provide_read_session(state: State) -> AsyncIterator[AsyncSession]:
    """A session for a request that only reads (the availability search, occupancy): on PostgreSQL each
    statement runs on its own, without a transaction's BEGIN and ROLLBACK round trips around them (a
    fifth of a search's CPU); on SQLite the request's usual transaction."""
    async with state.read_sessions() as session:
        yield session


def provide_uow(db_session: NamedDependency[AsyncSession], state: State) -> UnitOfWork:
    """The request's unit of work: its session and the app's event handlers (estivage.bootstrap)."""
    return UnitOfWork(db_session, state.event_handlers)


def close_request_session(key: str) -> Callable[[Message, Scope], Awaitable[None]]:
    """advanced-alchemy's handler, which closes the request's session (kept in the scope under `key`,
    the configuration's own) as the response starts, except that a session holding no transaction is
    let go without closing: it holds no connection, and closing it (a greenlet switch, the identity
    map emptied) was ~6% of a refused hold's CPU in the opening-day rush (bench/rush.py, issue 21),
    where most requests are answered from memory and never reach the database. One that began a
    transaction is closed (rolled back) as before."""

    async def handler(message: Message, scope: Scope) -> None:
        if message["type"] not in SESSION_TERMINUS_ASGI_EVENTS:
            return
        session: AsyncSession | None = get_aa_scope_state(scope, key)
        if session is not None:
            delete_aa_scope_state(scope, key)
            if session.in_transaction():
                await session.close()

    return handler


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> Litestar:
    settings = settings or Settings.from_env()
    resolve_dependencies_in_turn()
    observability.configure_logging(settings.log_format)
    providers = bootstrap.payment_providers(settings)
    # As many connections kept as requests admitted at once (estivage.admission): none opened per request.
    engine = create_engine(
        settings.database_url, echo=settings.sql_echo, pool_size=max(10, settings.admission_limit)
    )
    jwt = jwt_auth(settings.jwt_secret, settings.token_minutes)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # No autocommit: a use case commits once, in its service (kernel.uow); the session of a request
        # that did not commit is rolled back when it closes.
        set_default_exception_handler=False,
    )
    # Made after the configuration, which picks its scope key (unique per app in a process).
    db_config.before_send_handler = close_request_session(db_config.session_scope_key)
    auth_controller = make_auth_controller(jwt, settings)
    stores = store_registry(settings)
    feed = account_feed(settings)  # with Redis: accounts' states kept in this process's memory too
    account_states = AccountStates(
        session_factory(without_transaction(engine)),
        stores.get("accounts"),
        clock,
        settings.token_minutes,
        feed,
    )
    handlers: list[Any] = [
        ready,
        health,
        auth_controller,
        ContactController,
        PersonalDataController,
        AuditController,
        StaffAccountController,
        CentreController,
        SeasonController,
        OccupancyController,
        AvailabilityController,
        BookingController,
        ReceptionController,
        DeskController,
        ReminderController,
        BookingPolicyController,
        PromotionController,
        CampaignController,
        CheckoutController,
        StripeWebhookController,
        CmiCallbackController,
        RefundController,
        GateController,
        DeviceController,
        PassController,
        OutboxController,
        InboxController,
        KpiController,
        observability.metrics_controller(settings.metrics_token),
    ]
    handlers.extend(web_handlers(jwt, settings, engine, providers))
    templates = template_config()
    app = Litestar(
        route_handlers=handlers,
        middleware=[
            observability.prometheus_config().middleware,
            flash_session(settings.jwt_secret),  # outside the CSRF check: its refusal page reads it
            csrf_middleware(settings.jwt_secret),
        ],
        plugins=[
            SQLAlchemyPlugin(config=db_config),
            ProblemDetailsPlugin(problem_details_config()),
            HTMXPlugin(),
            flash_plugin(templates),
            DescribedSchemas(),
        ],
        template_config=templates,
        on_app_init=[jwt.on_app_init],
        lifespan=[
            lambda _app: changes.listening(engine),  # inventory changes heard from PostgreSQL
            *([in_app_sender(settings, engine)] if settings.mail_in_app else []),
            *([feed.listening] if feed is not None else []),
        ],
        stores=stores,
        state=State(
            {
                "settings": settings,
                "clock": clock,
                "payment_providers": providers,
                "event_handlers": bootstrap.event_handlers(
                    providers, mail=mail_config(settings), account_states=account_states
                ),
                "account_states": account_states,
                "search_log": SearchLog(session_factory(engine)),
                "read_sessions": session_factory(without_transaction(engine)),
            }
        ),
        dependencies={
            "now": Provide(provide_now, sync_to_thread=False),
            "uow": Provide(provide_uow, sync_to_thread=False),
            "read_session": Provide(provide_read_session),
        },
        exception_handlers={
            Exception: internal_error_handler,
            DBAPIError: bad_data_handler,
            OverflowError: bad_data_handler,
            RecursionError: too_deep_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Estivage",
            version="0.1.0",
            description="Booking and digital access for the foundation's holiday centres.",
            path="/schema",
            use_handler_docstrings=True,
            render_plugins=[OfflineSwaggerPlugin(), ProblemAwareJsonPlugin(jwt.exclude)],
        ),
        request_max_body_size=BODY_MAX_BYTES,
        debug=settings.debug,
        logging_config=None,  # structlog, configured above (estivage/observability.py)
    )
    app.asgi_handler = admission(SecurityHeaders(settings).wrap(app.asgi_handler), settings.admission_limit)
    return observability.instrument(app)


# The collector's first generation is examined every this many allocations net of frees (CPython's default
# is 700). A request allocates thousands of short-lived objects (scope, headers, SQLAlchemy rows and
# results) that reference counting frees anyway; at 700 the collector ran several times per request and
# took ~7% of the server's CPU in the opening-day rush (bench/rush.py). Cycles still go, a little later:
# a few tens of thousands of objects at most.
GC_FIRST_GENERATION = 50_000


def freeze_startup_objects() -> None:
    """After start-up, move everything alive (the app, its routes, the ORM's mappers and compiled
    statements, the imported modules) out of the collector's sight: they live as long as the process,
    and each full collection would otherwise traverse them all again, for nothing."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, second, third)


def serve_app() -> Litestar:
    """The app as ``estivage serve`` runs it (uvicorn's factory, in each worker process): ``create_app``
    with the collector tuned for a long-running server once it has started. Tests use ``create_app``."""
    app = create_app()
    app.on_startup.append(freeze_startup_objects)
    return app
