"""gate events of codes that are not authentic passes carry no pass id

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gate_events", schema=None) as batch_op:
        batch_op.alter_column("pass_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM gate_events WHERE pass_id IS NULL")
    with op.batch_alter_table("gate_events", schema=None) as batch_op:
        batch_op.alter_column("pass_id", existing_type=sa.Uuid(), nullable=False)
