"""stay ratings (members rate a stay after departure)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 15:55:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stay_ratings",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_stay_ratings_rating_score")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_stay_ratings_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_stay_ratings_centre_id_centres"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_stay_ratings_member_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_stay_ratings")),
    )
    with op.batch_alter_table("stay_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stay_ratings_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stay_ratings_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stay_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stay_ratings_member_id"))
        batch_op.drop_index(batch_op.f("ix_stay_ratings_centre_id"))
    op.drop_table("stay_ratings")
