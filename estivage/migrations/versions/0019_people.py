"""people: the audit log of staff actions, bookings made by staff, named parties, e-mail changes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 18:22:40.370423

The audit log is append-only in the database itself: on PostgreSQL a trigger refuses every UPDATE,
DELETE and TRUNCATE of it; on SQLite two triggers refuse every UPDATE and DELETE. The application has no
path that changes a row; these make sure no other path does either (a console, a script, a bug).
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_GUARD = [
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
    END
    $$
    """,
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
    " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
POSTGRES_UNGUARD = [
    "DROP TRIGGER audit_log_no_truncate ON audit_log",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "DROP FUNCTION audit_log_append_only()",
]
SQLITE_GUARD = [
    f"CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log"
    f" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
]
SQLITE_UNGUARD = ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]


def _on_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_key", sa.String(length=120), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_actor", ["actor", "id"], unique=False)
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_kind", ["kind", "id"], unique=False)
        batch_op.create_index("ix_audit_log_member", ["member_id", "id"], unique=False)
        batch_op.create_index("ix_audit_log_subject", ["subject_kind", "subject_key"], unique=False)
    for statement in POSTGRES_GUARD if _on_postgres() else SQLITE_GUARD:
        op.execute(statement)

    op.create_table(
        "email_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sa.String(length=200), nullable=False),
        sa.Column("code_salt", sa.String(length=32), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("confirmed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'superseded', 'exhausted')",
            name=op.f("ck_email_changes_email_change_state"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_changes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_changes")),
    )
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.create_index("ix_email_changes_user", ["user_id", "created_at"], unique=False)

    op.create_table(
        "booking_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "age_band IN ('adult', 'teen', 'child', 'infant')", name=op.f("ck_booking_party_party_age_band")
        ),
        sa.CheckConstraint(
            "relation IN ('spouse', 'child', 'parent', 'sibling', 'other')",
            name=op.f("ck_booking_party_party_relation"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_party_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_party")),
        sa.UniqueConstraint("booking_id", "position", name=op.f("uq_booking_party_booking_id_position")),
    )
    with op.batch_alter_table("booking_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_party_booking_id"), ["booking_id"], unique=False)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_booked_by_users"), "users", ["booked_by"], ["id"], ondelete="RESTRICT"
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_bookings_booked_by_users"), type_="foreignkey")
        batch_op.drop_column("booked_by")

    with op.batch_alter_table("booking_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_party_booking_id"))
    op.drop_table("booking_party")

    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_email_changes_user")
    op.drop_table("email_changes")

    for statement in POSTGRES_UNGUARD if _on_postgres() else SQLITE_UNGUARD:
        op.execute(statement)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_subject")
        batch_op.drop_index("ix_audit_log_member")
        batch_op.drop_index("ix_audit_log_kind")
        batch_op.drop_index("ix_audit_log_at")
        batch_op.drop_index("ix_audit_log_actor")
    op.drop_table("audit_log")
