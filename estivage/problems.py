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

from accounts.domain.sessions import RefreshRefused
from accounts.services import BadCredentials
from kernel.errors import Conflict, DomainError, Forbidden, NotFound, RateLimited, RuleViolation

logger = logging.getLogger("estivage")

PROBLEM_TYPE_BASE = "https://estivage.example/problems/"

_STATUS_BY_KIND: list[tuple[type[DomainError], int]] = [
    (BadCredentials, 401),
    (RefreshRefused, 401),
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (RuleViolation, 422),
    (RateLimited, 429),
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
    if error.params:
        extra["params"] = dict(error.params)
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


def _refused_value(exc: BaseException) -> bool:
    """SQLSTATE class 22 (data exception), or the driver refusing a value before sending it (sqlite3
    raises a bare OverflowError, not wrapped by SQLAlchemy)."""
    seen: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy's error, the dialect's adapter, the driver's exception
        if seen is None:
            break
        if str(getattr(seen, "sqlstate", "") or "").startswith("22") or type(seen).__name__ == "DataError":
            return True
        if isinstance(seen, OverflowError):  # sqlite3: an integer beyond 64 bits never reaches SQLite
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def bad_data_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database refused a value (an integer out of its column's range, a NUL byte in text…): bad
    input that the schema let through, never a bug worth a 500. Other database errors stay 500s."""
    if not _refused_value(exc):
        return internal_error_handler(request, exc)
    logger.info("database refused a value: %s", str(exc).splitlines()[0])
    return Response(
        content={
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "a value is out of range or is not valid text",
            "code": "invalid_input",
        },
        status_code=422,
        media_type="application/problem+json",
    )


def too_deep_handler(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """A JSON body nested deeper than the decoder recurses (issue 15, item 12): bad input, a 400."""
    logger.info("request body nested too deep: %s %s", request.method, request.url.path)
    return Response(
        content={
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "the body is nested too deeply",
            "code": "invalid_input",
        },
        status_code=400,
        media_type="application/problem+json",
    )
