"""Every mapped table, imported once so that the metadata Alembic compares against is complete."""

from estivage.accounts.models import Member, User, manager_centres
from estivage.db import Base
from inventory.models import Centre, Quota, Rotation, Season, StayNight, Tariff, Unit, UnitClosure, UnitType

__all__ = [
    "Base",
    "Centre",
    "Member",
    "Quota",
    "Rotation",
    "Season",
    "StayNight",
    "Tariff",
    "Unit",
    "UnitClosure",
    "UnitType",
    "User",
    "manager_centres",
]
