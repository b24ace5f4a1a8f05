"""roster: a member's birth date, as the foundation's roster (the HR/payroll export) gives it

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-05 03:40:00.000000

The other facts the roster carries (names in both scripts, category, e-mail, phone, family size, salary
scale) have columns already; a member who leaves the roster is the account's ``users.active`` set false.
Members loaded before this revision have no birth date until the next import.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("birth_date")
