"""When a message is tried again, and when it is given up: pure rules of the outbox.

A message is ``pending`` until a sender delivers it (``sent``) or the server refuses it for good
(``failed``: a 5xx reply, a refused address). A sender *claims* a pending message for a lease; a sender
that dies holding the claim (between the claim and the send) leaves the lease to run out, and the next
sender takes the message again. While the server is unreachable or answers 4xx, the message waits longer
after each try (``backoff``), up to ``MAX_ATTEMPTS`` tries (about two days), then it is failed too.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


LEASE = timedelta(minutes=5)
"""How long a claim holds: far longer than one send takes, short enough that a dead sender's messages
go out again soon."""

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 60


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min... up to an hour."""
    if attempts < 1:
        return timedelta(0)
    return min(FIRST_RETRY * (1 << min(attempts - 1, 20)), LONGEST_WAIT)


def is_permanent(smtp_code: int | None) -> bool:
    """A 5xx reply is the server's final word (no such mailbox, refused): trying again changes nothing.
    No reply (the server is down) and 4xx replies are temporary."""
    return smtp_code is not None and 500 <= smtp_code < 600


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
