"""Every mapped table, imported once so that the metadata Alembic compares against is complete."""

from access.models import Device, FeedLock, GateEvent, IssuedPass, PeerKey, Revocation, ScanFeedEntry
from accounts.audit.models import AuditEntry
from accounts.contact.models import EmailChange
from accounts.models import AccountCode, AuthSession, Member, User, manager_centres
from booking.campaigns.models import Campaign, CampaignApplication, CampaignEvent, CampaignOffer, WaitingPlace
from booking.models import Booking, BookingPolicy, PartyMember, Promotion
from booking.ratings import StayRating
from booking.reminders import Reminder
from booking.searches import MemberSearch
from inventory.models import (
    Centre,
    InventoryVersion,
    Quota,
    Rotation,
    Season,
    StayNight,
    Tariff,
    Unit,
    UnitClosure,
    UnitType,
)
from kernel.db import Base
from notifications.models import OutboxMessage
from payments.models import CmiOrder, Instalment, Payment, PaymentRefund, ProcessedEvent

__all__ = [
    "AccountCode",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Booking",
    "BookingPolicy",
    "Campaign",
    "CampaignApplication",
    "CampaignEvent",
    "CampaignOffer",
    "Centre",
    "CmiOrder",
    "Device",
    "EmailChange",
    "FeedLock",
    "GateEvent",
    "Instalment",
    "InventoryVersion",
    "IssuedPass",
    "Member",
    "MemberSearch",
    "OutboxMessage",
    "PartyMember",
    "Payment",
    "PaymentRefund",
    "PeerKey",
    "ProcessedEvent",
    "Promotion",
    "Quota",
    "Reminder",
    "Revocation",
    "Rotation",
    "ScanFeedEntry",
    "Season",
    "StayNight",
    "StayRating",
    "Tariff",
    "Unit",
    "UnitClosure",
    "UnitType",
    "User",
    "WaitingPlace",
    "manager_centres",
]
