"""summer campaigns: a second lottery seed, drawn at the close (its commitment published with the digest)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 14:00:00.000000

A campaign still open gets its close seed when it closes (inputs format 2). One closed before this
revision has none: its published inputs are format 1, and its draw runs on its one seed, as published
(docs/allocation.md, section 2).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("close_seed_hex", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("close_seed_commitment", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # The close seeds are lost: a campaign closed since and not drawn yet cannot be drawn any more (its
    # published inputs commit to a close seed), and the code before reads format 1 inputs only.
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("close_seed_commitment")
        batch_op.drop_column("close_seed_hex")
