"""reception: stays checked in, checked out (was "completed") or no-show at the desk, the no-show grace,
each unit's housekeeping state

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-05 04:00:00

A stay that ended was "completed" in the status list of 0003 without anything ever writing it; the desk
now writes "checked_out". A row that said "completed" (none should) says "checked_out" after the upgrade
and "completed" again after a downgrade.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES_BEFORE = "('held', 'confirmed', 'checked_in', 'completed', 'cancelled', 'expired', 'no_show')"
STATUSES_AFTER = "('held', 'confirmed', 'checked_in', 'checked_out', 'cancelled', 'expired', 'no_show')"


def _statuses(old: str, new: str, allowed: str) -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_booking_status"), type_="check")
    op.execute(sa.text("UPDATE bookings SET status = :new WHERE status = :old").bindparams(old=old, new=new))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_bookings_booking_status"), f"status IN {allowed}")


def upgrade() -> None:
    _statuses("completed", "checked_out", STATUSES_AFTER)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        for column in ("checked_in_at", "checked_out_at", "no_show_at"):
            batch_op.add_column(
                sa.Column(column, advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
            )
    with op.batch_alter_table("booking_policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_show_grace_days", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "unit_housekeeping",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('to_clean', 'clean', 'out_of_service')",
            name=op.f("ck_unit_housekeeping_housekeeping_state"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_housekeeping_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_housekeeping")),
    )


def downgrade() -> None:
    op.drop_table("unit_housekeeping")
    with op.batch_alter_table("booking_policy", schema=None) as batch_op:
        batch_op.drop_column("no_show_grace_days")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        for column in ("no_show_at", "checked_out_at", "checked_in_at"):
            batch_op.drop_column(column)
    _statuses("checked_out", "completed", STATUSES_BEFORE)
