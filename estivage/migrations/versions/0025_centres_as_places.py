"""centres as places: the description in Arabic, the address, the coordinates, photos and amenities

Revision ID: 0025
Revises: 0019
Create Date: 2026-12-05 03:40:00

Every new column has a server default (or is nullable), so existing centres stay valid: an empty
description and address, no coordinates (no map link is shown), no photos, no amenities.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("description_ar", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("address_fr", sa.String(240), nullable=False, server_default=""))
        batch.add_column(sa.Column("address_ar", sa.String(240), nullable=False, server_default=""))
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("photos", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("amenities", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("centres") as batch:
        for column in ("amenities", "photos", "longitude", "latitude", "address_ar", "address_fr"):
            batch.drop_column(column)
        batch.drop_column("description_ar")
