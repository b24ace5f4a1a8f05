"""ratings by question, member searches, summer on open sale: a stay's rating answers three questions
(reception, cleanliness, value; a rating given before has its overall score only); a member's search of a
centre is kept once a day (the access rate's "searched"); a summer season is put on open sale by staff
after the draw's last re-offer round

Revision ID: 0029
Revises: 0025
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUESTIONS = ("reception", "cleanliness", "value")


def upgrade() -> None:
    with op.batch_alter_table("stay_ratings", schema=None) as batch_op:
        for question in QUESTIONS:
            batch_op.add_column(sa.Column(question, sa.Integer(), nullable=True))
            batch_op.create_check_constraint(
                op.f(f"ck_stay_ratings_rating_{question}"), f"{question} BETWEEN 1 AND 5"
            )
    op.create_table(
        "member_searches",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_member_searches_member_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.id"],
            name=op.f("fk_member_searches_centre_id_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "centre_id", "day", name=op.f("pk_member_searches")),
    )
    with op.batch_alter_table("member_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_searches_day"), ["day"], unique=False)
    with op.batch_alter_table("seasons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "open_sale_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("seasons", schema=None) as batch_op:
        batch_op.drop_column("open_sale_at")
    with op.batch_alter_table("member_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_searches_day"))
    op.drop_table("member_searches")
    with op.batch_alter_table("stay_ratings", schema=None) as batch_op:
        for question in reversed(QUESTIONS):
            batch_op.drop_constraint(op.f(f"ck_stay_ratings_rating_{question}"), type_="check")
            batch_op.drop_column(question)
