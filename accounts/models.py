"""Persistence of accounts."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import Base

if TYPE_CHECKING:
    from inventory.models import Centre

manager_centres = Table(
    "manager_centres",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('member', 'manager', 'staff')", name="user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean(), default=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # A manager's or staff member's address for their codes (a member's is ``Member.email``).
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Every access token carries the version it was issued under; bumping it (disabled, password reset)
    # refuses them all on their next request (``accounts.tokens``).
    token_version: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")

    member: Mapped[Member | None] = relationship(back_populates="user", uselist=False)
    centres: Mapped[list[Centre]] = relationship("Centre", secondary=manager_centres, order_by="Centre.code")


class Member(Base):
    """A member of the foundation (an active or retired employee) and the facts that set their tariff,
    their quota bucket and their summer priority."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("family_size >= 1", name="family_size_positive"),
        CheckConstraint("preferred_language IN ('ar', 'fr')", name="member_language"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    member_number: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name_ar: Mapped[str] = mapped_column(String(100), default="")
    last_name_ar: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(32))
    salary_scale: Mapped[int] = mapped_column(Integer())
    family_size: Mapped[int] = mapped_column(Integer())
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    preferred_language: Mapped[str] = mapped_column(String(2), default="fr")
    last_summer_stay_year: Mapped[int | None] = mapped_column(Integer())
    # From the roster (``accounts.roster``); None for a member loaded before it carried one.
    birth_date: Mapped[date | None] = mapped_column(Date())

    user: Mapped[User] = relationship(back_populates="member")


class AuthSession(Base):
    """One signed-in device (a browser, a phone): the refresh token that keeps it signed in, rotated at
    every use. Only the SHA-256 of the current refresh secret is kept; an older one coming back is a
    stolen copy being replayed, and ends the session (``accounts.sessions``). The access tokens it issues
    carry its id (``sid``), so that ending it refuses them too."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user", "user_id", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    refreshed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    refresh_sha256: Mapped[str] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(Integer(), default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_why: Mapped[str | None] = mapped_column(String(16))


class AccountCode(Base):
    """A one-time code to activate an account or to reset its password, sent to the address on record.
    The rules are the e-mail change's (``accounts.domain.contact``): salted SHA-256 only, one use, a
    short life, a few tries."""

    __tablename__ = "account_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('activation', 'reset')", name="account_code_purpose"),
        CheckConstraint("state IN ('pending', 'used', 'superseded', 'exhausted')", name="account_code_state"),
        Index("ix_account_codes_user", "user_id", "purpose", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    code_salt: Mapped[str] = mapped_column(String(32))
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
