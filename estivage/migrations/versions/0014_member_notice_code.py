"""bookings: a stable code beside the member notice (pages translate it, clients may switch on it)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 10:00:00.000000

Every notice written before this revision is the one for a late card payment refunded because the hold
was lost (payments.services.money_secured, its only writer), so those rows get that code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_notice_code", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE bookings SET member_notice_code = 'hold_lost_refunded' WHERE member_notice IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("member_notice_code")
