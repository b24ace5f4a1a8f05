"""The summer allocation, pure: priority score, committed lottery, allocation under reservations.

``score`` ranks applicants, ``lottery`` orders equal scores from two committed seeds, ``allocate`` gives
offers and waiting lists, ``publication`` exports the results and re-runs a published draw. Standard
library only, so that anyone can re-run a draw with this package alone (see docs/allocation.md); the
command that does it from the published files is ``estivage.draw_check``.
"""

from booking.domain.allocation.allocate import (
    MAX_CHOICES,
    AllocationError,
    AllocationResult,
    Application,
    Campaign,
    Offer,
    OfferBook,
    Slot,
    WaitingEntry,
    allocate,
    next_offer_after_lapse,
    priority_order,
    reserve_by_share,
)
from booking.domain.allocation.lottery import (
    LotteryError,
    applications_digest,
    commit,
    lottery_key,
    lottery_order,
    verify_commitment,
)
from booking.domain.allocation.score import Applicant, MemberStatus, ScoreWeights, score

__all__ = [
    "MAX_CHOICES",
    "AllocationError",
    "AllocationResult",
    "Applicant",
    "Application",
    "Campaign",
    "LotteryError",
    "MemberStatus",
    "Offer",
    "OfferBook",
    "ScoreWeights",
    "Slot",
    "WaitingEntry",
    "allocate",
    "applications_digest",
    "commit",
    "lottery_key",
    "lottery_order",
    "next_offer_after_lapse",
    "priority_order",
    "reserve_by_share",
    "score",
    "verify_commitment",
]
