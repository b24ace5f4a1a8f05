"""The one place where domain errors become RFC 9457 problem details."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS, HTTP_500_INTERNAL_SERVER_ERROR

from estivage.accounts.services import BadCredentials
from inventory.domain.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation

logger = logging.getLogger("estivage")

PROBLEM_TYPE_BASE = "https://estivage.example/problems/"

_STATUS_BY_KIND: list[tuple[type[DomainError], int]] = [
    (BadCredentials, 401),
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (RuleViolation, 422),
]


def status_of(error: DomainError) -> int:
    for kind, status in _STATUS_BY_KIND:
        if isinstance(error, kind):
            return status
    return 400


def domain_problem(error: DomainError) -> ProblemDetailsException:
    extra: dict[str, Any] = {"code": error.code}
    if error.field:
        extra["field"] = error.field
    return ProblemDetailsException(
        type_=PROBLEM_TYPE_BASE + error.code.replace("_", "-"),
        title=error.code.replace("_", " ").capitalize(),
        status_code=status_of(error),
        detail=error.detail,
        extra=extra,
    )


def _validation_detail(errors: list[Any]) -> str:
    """Say which fields are wrong and why, in one sentence a client can show."""
    parts = []
    for error in errors:
        if isinstance(error, dict):
            key = error.get("key") or error.get("source") or "body"
            parts.append(f"{key}: {error.get('message', 'invalid')}")
    return "; ".join(parts)


def _http_problem(exc: HTTPException) -> ProblemDetailsException:
    """Litestar's own errors (validation, auth, not found…) in the same shape as ours."""
    extra: dict[str, Any] = {}
    detail = exc.detail
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        extra["code"] = "invalid_input"
        extra["errors"] = exc.extra
        detail = _validation_detail(exc.extra) or detail
    elif isinstance(exc, NotAuthorizedException):
        extra["code"] = "unauthenticated"
    elif isinstance(exc, PermissionDeniedException):
        extra["code"] = "forbidden"
    elif exc.status_code == HTTP_429_TOO_MANY_REQUESTS:
        extra["code"] = "rate_limited"
    return ProblemDetailsException(
        type_="about:blank",
        title=HTTPStatus(exc.status_code).phrase,
        status_code=exc.status_code,
        detail=detail,
        headers=exc.headers,
        extra=extra or None,
    )


def problem_details_config() -> ProblemDetailsConfig:
    return ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            DomainError: domain_problem,
            HTTPException: _http_problem,
        },
    )


def internal_error_handler(_request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug is a 500 problem that says nothing of the internals (the log keeps the traceback)."""
    logger.error("unhandled error", exc_info=exc)
    return Response(
        content={
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": HTTP_500_INTERNAL_SERVER_ERROR,
            "detail": "an unexpected error occurred; it has been logged",
        },
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type="application/problem+json",
    )
