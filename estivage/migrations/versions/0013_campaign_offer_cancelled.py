"""summer campaigns: a paid offer whose stay was cancelled is 'cancelled'; results JSON stored at the draw

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 12:00:00.000000

Campaigns created before this revision have no seed until their close draws one (the documented
fallback, docs/allocation.md); campaigns drawn before it have no stored results JSON, which is then
made from the stored CSV when asked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('offered', 'paid', 'lapsed', 'declined')"
_AFTER = "status IN ('offered', 'paid', 'lapsed', 'declined', 'cancelled')"


def _offer_statuses(allowed: str) -> None:
    with op.batch_alter_table("campaign_offers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_offers_offer_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaign_offers_offer_status"), allowed)


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_results_json", sa.Text(), nullable=True))
    _offer_statuses(_AFTER)


def downgrade() -> None:
    # A cancelled offer's stay is gone and its unit was offered again: of the older statuses 'declined'
    # (withdrawn, the unit freed) says that; 'paid' would count it as a live offer holding its slot.
    op.execute("UPDATE campaign_offers SET status = 'declined' WHERE status = 'cancelled'")
    _offer_statuses(_BEFORE)
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("published_results_json")
