"""The words for a payment's and an instalment's state on the pages (the desk, the member's booking)."""

from __future__ import annotations

from kernel.i18n import N_

PAYMENT_STATUS = {
    "pending": N_("awaiting payment"),
    "succeeded": N_("paid"),
    "failed": N_("failed"),
    "refunded": N_("refunded"),
    "cancelled": N_("cancelled"),
}
INSTALMENT_STATUS = {
    "scheduled": N_("to be deducted"),
    "exported": N_("deducted"),
    "cancelled": N_("cancelled"),
}
