"""payments: free stays (amount 0), intents cancelled when a hold lapses, refunds owed, CMI orders

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:00:00.000000

- ``payments.amount_minor`` may be 0: a stay priced at zero is confirmed with a receipt of nothing
  (provider ``free``);
- ``payments.status`` may be ``cancelled``: an intent given up at the provider when its hold lapsed;
- ``payment_refunds.state`` (``made`` | ``owed``), ``made_at`` and ``recorded_by``: a refund through CMI
  is owed until staff make it in CMI's back office and record it (every refund before this is made);
- ``cmi_orders``: each attempt to pay through CMI (its order id) and what CMI's callback said of it.

Downgrade: the CMI orders are dropped; free payments (amount 0) and owed refunds cannot be said before
this revision, so the downgrade refuses while there are any; cancelled payments become failed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'pending', 'succeeded', 'failed', 'refunded'"


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_payment_amount"), type_="check")
        batch_op.drop_constraint(op.f("ck_payments_payment_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_payments_payment_amount"), "amount_minor >= 0")
        batch_op.create_check_constraint(
            op.f("ck_payments_payment_status"), f"status IN ({STATUSES}, 'cancelled')"
        )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=8), server_default="made", nullable=False))
        batch_op.add_column(sa.Column("made_at", DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_payment_refunds_recorded_by_users"),
            "users",
            ["recorded_by"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(op.f("ck_payment_refunds_refund_state"), "state IN ('made', 'owed')")
    op.execute("UPDATE payment_refunds SET made_at = created_at")
    op.create_table(
        "cmi_orders",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("proc_return_code", sa.String(length=8), nullable=True),
        sa.Column("called_back_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'declined', 'confirmed', 'refused')",
            name=op.f("ck_cmi_orders_cmi_order_status"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_cmi_orders_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_cmi_orders")),
    )
    with op.batch_alter_table("cmi_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cmi_orders_payment_id"), ["payment_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    free = bind.execute(sa.text("SELECT count(*) FROM payments WHERE amount_minor = 0")).scalar_one()
    owed = bind.execute(sa.text("SELECT count(*) FROM payment_refunds WHERE state = 'owed'")).scalar_one()
    if free or owed:
        raise RuntimeError(
            f"{free} free stay receipt(s) and {owed} refund(s) owed cannot be said before 0018: "
            "record the refunds and keep this revision"
        )
    with op.batch_alter_table("cmi_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cmi_orders_payment_id"))
    op.drop_table("cmi_orders")
    op.execute("UPDATE payments SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payment_refunds_refund_state"), type_="check")
        batch_op.drop_constraint(op.f("fk_payment_refunds_recorded_by_users"), type_="foreignkey")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("made_at")
        batch_op.drop_column("state")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_payment_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_payments_payment_amount"), type_="check")
        batch_op.create_check_constraint(op.f("ck_payments_payment_amount"), "amount_minor > 0")
        batch_op.create_check_constraint(op.f("ck_payments_payment_status"), f"status IN ({STATUSES})")
