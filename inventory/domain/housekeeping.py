"""A unit's housekeeping state at the desk: to clean after a departure, clean, or out of service.

An out-of-service unit is sold on no night, whatever its closures say (``inventory.snapshot`` closes it
for good until the desk sets it back); a departure leaves its unit to clean.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Housekeeping(StrEnum):
    TO_CLEAN = "to_clean"
    CLEAN = "clean"
    OUT_OF_SERVICE = "out_of_service"


# The span a closure takes for an out-of-service unit: every night there is.
FOR_GOOD = (date.min, date.max)
