"""The API's documentation: the OpenAPI document as served, and its viewer at /schema.

- Every schema and operation is described: operations by their handler's docstring (Litestar's
  ``use_handler_docstrings``), schemas by their struct's docstring (``DescribedSchemas``).
- Errors are declared as `application/problem+json`: Litestar documents the errors it knows of (400 on
  every operation with parameters) as `application/json`, while every error here is an RFC 9457 problem
  (estivage/problems.py). Clients and schemathesis read the media type from the document, so it must
  say what is sent. Each operation also lists the errors it can answer, decided here in one place from
  what the route is (``error_statuses``) rather than repeated on every handler.
- The viewer is Swagger UI from the `swagger-ui-py` package (its copy of swagger-ui-dist), served by the
  app under /schema/assets: the page works without the internet and under the same CSP as the other
  pages (no inline script: estivage/api_docs/swagger-start.js starts it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from litestar.typing import FieldDefinition
from msgspec import Struct

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema

HERE = Path(__file__).resolve().parent
ASSETS = "/assets"

PROBLEM_JSON = "application/problem+json"
# RFC 9457 with this service's members (estivage/problems.py): a stable `code`, the `field` at fault,
# the figures of the detail by name (`params`, e.g. {"min_nights": 2}) and, for malformed input, the
# validation `errors`.
PROBLEM_SCHEMA: dict[str, Any] = {
    "description": "An error (RFC 9457 problem details, `application/problem+json`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": "string"},
        "params": {
            "type": "object",
            "additionalProperties": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        },
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def own_docstring(kind: type) -> str | None:
    """The class's own docstring, not one it inherits nor the signature a dataclass writes for itself."""
    doc = kind.__dict__.get("__doc__")
    if not doc or doc.startswith(kind.__name__ + "("):
        return None
    return inspect.cleandoc(doc)


class DescribedSchemas(OpenAPISchemaPlugin):
    """Each msgspec struct's and dataclass's docstring becomes its schema's description.

    Litestar reads the docstring of enums only; this plugin lets Litestar's own plugin build the schema,
    then describes it (tests/e2e/test_openapi_document.py fails on a schema without a description)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and (
            field_definition.is_subclass_of(Struct) or field_definition.is_dataclass_type
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        builder = next(
            plugin
            for plugin in schema_creator.plugins
            if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
        )
        schema = builder.to_openapi_schema(field_definition=field_definition, schema_creator=schema_creator)
        schema.description = schema.description or own_docstring(field_definition.type_)
        return schema


# Raised by a service rather than by Litestar's rate-limit middleware (which is found on its own): the
# login's failure counts, the e-mail change's codes a day, a pass's reissues a day.
RATE_LIMITED_BY_SERVICE = frozenset(
    {
        ("POST", "/api/auth/token"),
        ("POST", "/api/me/email"),
        ("POST", "/api/bookings/{booking_id}/pass/reissue"),
    }
)
# The login and the refresh are open to anyone, and say 401 for credentials or a refresh token refused.
REFUSES_CREDENTIALS = frozenset({("POST", "/api/auth/token"), ("POST", "/api/auth/refresh")})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Writes that change no booking or setting of their own: sessions and codes (/api/auth/...) answer 400,
# 401 or 429; the providers' notifications answer 400 for a bad signature, and a repeat is no conflict.
NO_CONFLICTS = re.compile(r"^/api/auth/|^/api/payments/(stripe/webhook|cmi/callback)$")
ERROR_MEANINGS = {
    400: "Malformed input: a parameter or body field of the wrong type or shape (`errors` lists them).",
    401: "No valid credentials: a missing, expired or revoked token (a device token for gate routes).",
    403: "The caller's role or centre does not allow this.",
    404: "Nothing the caller may see here: unknown, or another member's.",
    409: "The state does not allow it: nothing left, already done, or the wrong step.",
    422: "Well-formed but refused by a rule: dates, stay rules, limits; `code` and `field` say which.",
    429: "Too many requests: try again later (`params.limit` says the limit where there is one).",
}


def declare_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx response is a problem: its media type and schema say so (in place, idempotent)."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content") or {}
                if str(status)[0] in "45" and "application/json" in content:
                    content.pop("application/json")
                    content[PROBLEM_JSON] = {"schema": PROBLEM_REF}
    return document


def _rate_limited(handler: HTTPRouteHandler) -> bool:
    return any(getattr(m, "middleware", m) is RateLimitMiddleware for m in handler.resolve_middleware())


def needs_token(handler: HTTPRouteHandler, path: str, auth_exclusions: Sequence[str]) -> bool:
    """Whether a caller must bring a token: a user's, or a gate's device token (its routes are left out
    of the users' authentication, and access.controllers.provide_gate checks theirs)."""
    if "gate" in handler.resolve_dependencies():
        return True
    return not (handler.opt.get("exclude_from_auth") or any(re.search(p, path) for p in auth_exclusions))


def error_statuses(
    method: str, path: str, handler: HTTPRouteHandler, auth_exclusions: Sequence[str], *, takes_input: bool
) -> set[int]:
    """The errors an operation can answer, from what the route is: whether it reads input, who must call
    it, whether it names an object, whether it writes, whether it is rate-limited."""
    statuses = {400} if takes_input or method in WRITES else set()
    # A gate's routes: 401 without a valid device token, and no user role to refuse. Its uploads are
    # idempotent and refuse an event inside the answer, never with a 409 or 422.
    gate = "gate" in handler.resolve_dependencies()
    if gate or (method, path) in REFUSES_CREDENTIALS:
        statuses.add(401)
    elif needs_token(handler, path, auth_exclusions):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method in WRITES and not gate and not NO_CONFLICTS.search(path):
        statuses |= {409, 422}
    if _rate_limited(handler) or (method, path) in RATE_LIMITED_BY_SERVICE:
        statuses.add(429)
    return statuses


def declare_errors(app: Litestar, document: dict[str, Any], auth_exclusions: Sequence[str]) -> dict[str, Any]:
    """Each operation's possible errors (``error_statuses``) as problem responses, and no token asked of
    the operations open to anyone (in place, idempotent)."""
    paths = document.get("paths", {})
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in paths:
            continue
        path = route.path_format
        for method, (handler, _) in route.route_handler_map.items():
            operation = paths[path].get(method.lower())
            if not isinstance(operation, dict):
                continue
            if not needs_token(handler, path, auth_exclusions):
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
            for status in sorted(
                error_statuses(method, path, handler, auth_exclusions, takes_input=takes_input)
            ):
                problem = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
                responses.setdefault(str(status), {"description": ERROR_MEANINGS[status], "content": problem})
            operation["responses"] = dict(sorted(responses.items()))
    return document


class ProblemAwareJsonPlugin(JsonRenderPlugin):
    """Serves /schema/openapi.json with each operation's errors declared as problems.

    ``auth_exclusions``: the JWT middleware's excluded paths (accounts.tokens.jwt_auth), so that an open
    route is not said to answer 401."""

    def __init__(self, auth_exclusions: str | Sequence[str] | None = ()) -> None:
        super().__init__()
        given = auth_exclusions or ()
        self.auth_exclusions = (given,) if isinstance(given, str) else tuple(given)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        declare_errors(request.app, declare_problem_responses(openapi_schema), self.auth_exclusions)
        return super().render(request, openapi_schema)


def swagger_ui_files() -> Path:
    """The built Swagger UI (swagger-ui-bundle.js, swagger-ui.css…) inside the installed package."""
    return Path(str(files("swagger_ui") / "static"))


class OfflineSwaggerPlugin(OpenAPIRenderPlugin):
    """Swagger UI at /schema (and /schema/swagger), every file of it from this app."""

    def __init__(self, path: str | list[str] = "/swagger") -> None:
        super().__init__(path=path)
        self.assets = "/schema" + ASSETS

    def receive_router(self, router: Router) -> None:
        self.assets = router.path.rstrip("/") + ASSETS
        router.register(
            create_static_files_router(
                path=ASSETS,
                directories=[HERE / "api_docs", swagger_ui_files()],
                name="api-docs-assets",
                include_in_schema=False,
                cache_control=CacheControlHeader(max_age=3600),
            )
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema["info"]["title"]
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="icon" href="/static/icon.png">
<link rel="stylesheet" href="{self.assets}/swagger-ui.css">
<script src="{self.assets}/swagger-ui-bundle.js" defer></script>
<script src="{self.assets}/swagger-start.js" defer></script>
</head>
<body>
<main id="swagger-ui" data-spec-url="{self.get_openapi_json_route(request)}"></main>
</body>
</html>
""".encode()
