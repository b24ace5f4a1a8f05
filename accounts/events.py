"""What happens to accounts, told to whoever subscribed (``estivage.bootstrap``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountCodeIssued(DomainEvent):
    """A one-time code to send to the account's address on record, to activate the account or to reset
    its password. The code travels in the event because the mail must say it; it is stored hashed only.
    ``channel`` says what ``address`` is: an e-mail address, or a phone number (``sms``) for a member on
    record without e-mail."""

    account_id: int
    address: str
    purpose: Literal["activation", "reset"]
    code: str
    minutes: int
    language: str
    channel: Literal["email", "sms"] = "email"


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountAccessChanged(DomainEvent):
    """What a request of this account is checked against moved (a session ended, the version, the role,
    the centres, disabled): the cached copy (``accounts.tokens.AccountStates``) must be forgotten."""

    account_id: int
