"""The OpenAPI document as served: error responses declared as `application/problem+json`.

Litestar documents the errors it knows of (400 on every operation with parameters) as
`application/json`, while every error here is an RFC 9457 problem (estivage/problems.py). Clients
and schemathesis read the media type from the document, so it must say what is sent.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin

PROBLEM_JSON = "application/problem+json"
# RFC 9457 with this service's members (estivage/problems.py): a stable `code`, the `field` at fault,
# the figures of the detail by name (`params`, e.g. {"min_nights": 2}) and, for malformed input, the
# validation `errors`.
PROBLEM_SCHEMA: dict[str, Any] = {
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


def declare_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx response is a problem: its media type and schema say so (in place, idempotent)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content") or {}
                if str(status)[0] in "45" and "application/json" in content:
                    content.pop("application/json")
                    content[PROBLEM_JSON] = {"schema": PROBLEM_SCHEMA}
    return document


class ProblemAwareJsonPlugin(JsonRenderPlugin):
    """Serves /schema/openapi.json with the error media types corrected."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, declare_problem_responses(openapi_schema))
