"""Domain errors: a stable code the API and the gate show, and a message a person reads.

The kinds say what went wrong, not which HTTP status it becomes; that mapping lives in one place
(``estivage.problems``). An error whose message holds figures a client may show again in its own words
(a season's minimum stay, the nights left this year) also carries them by name in ``params``, so no
client has to read them out of the English message.
"""

from __future__ import annotations

from collections.abc import Mapping

from kernel.codes import ErrorCode


class DomainError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        detail: str,
        field: str | None = None,
        *,
        params: Mapping[str, int | str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code: ErrorCode = code
        self.detail = detail
        self.field = field
        self.params: Mapping[str, int | str] = dict(params or {})


class RuleViolation(DomainError):
    """The request breaks a rule: a stay rule, a member limit, bad dates."""


class Conflict(DomainError):
    """The request is sound but the state forbids it: nothing left, wrong state."""


class NotFound(DomainError):
    """No such thing, or none the caller may see."""


class Forbidden(DomainError):
    """The caller may see the thing but not do this to it."""


class RateLimited(DomainError):
    """The caller did this too often; try again later."""
