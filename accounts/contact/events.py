"""What happens to a member's contact details, told to whoever subscribed (``estivage.bootstrap``)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class EmailChangeCodeIssued(DomainEvent):
    """A one-time code to send to a new address (and to it only): the mail proves the address is the
    member's. The code travels in the event because the mail must say it; it is never stored."""

    user_id: int
    address: str
    language: str
    code: str
    minutes: int
    request_id: int
