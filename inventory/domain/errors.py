"""Domain errors: a stable code the API and the gate show, and a message a person reads.

The kinds say what went wrong, not which HTTP status it becomes; that mapping lives in one place
(``estivage.problems``).
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field


class RuleViolation(DomainError):
    """The request breaks a rule: a stay rule, a member limit, bad dates."""


class Conflict(DomainError):
    """The request is sound but the state forbids it: nothing left, wrong state."""


class NotFound(DomainError):
    """No such thing, or none the caller may see."""


class Forbidden(DomainError):
    """The caller may see the thing but not do this to it."""
