"""The states of a summer campaign, of an application and of an offer (stored as these strings)."""

from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    OPEN = "open"  # members apply
    CLOSED = "closed"  # scores and the applications digest published; the draw is next
    DRAWN = "drawn"  # results published, offers held


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class OfferStatus(StrEnum):
    OFFERED = "offered"  # a hold until the payment deadline
    PAID = "paid"
    LAPSED = "lapsed"  # unpaid at the deadline: the unit goes to the next on the waiting list
    DECLINED = "declined"
    CANCELLED = "cancelled"  # paid, then the stay was cancelled


# An offer that gave its unit back: re-offered to the waiting list.
FREEING = frozenset({OfferStatus.LAPSED, OfferStatus.DECLINED, OfferStatus.CANCELLED})
