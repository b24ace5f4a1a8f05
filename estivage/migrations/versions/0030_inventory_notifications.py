"""inventory notifications: PostgreSQL tells every listening server process when nights are taken or
given back (one notification per unit type, on commit) and when the configuration's version moves, so
that each can keep its lock-free reads of the nights taken until then (inventory/changes.py); nothing on
SQLite, which has no NOTIFY

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel is inventory.changes' CHANNEL; its payloads are a unit type's id or 'config' (a migration
# does not import the app: it must stay what it was when written).
UPGRADE = [
    """
    CREATE FUNCTION estivage_nights_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Sent when the transaction commits, once per distinct payload however many rows it wrote.
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('estivage_inventory', OLD.unit_type_id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('estivage_inventory', NEW.unit_type_id::text);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION estivage_everything_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('estivage_inventory', 'config');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER stay_nights_notify AFTER INSERT OR UPDATE OR DELETE ON stay_nights
    FOR EACH ROW EXECUTE FUNCTION estivage_nights_changed()
    """,
    """
    CREATE TRIGGER stay_nights_truncate_notify AFTER TRUNCATE ON stay_nights
    FOR EACH STATEMENT EXECUTE FUNCTION estivage_everything_changed()
    """,
    """
    CREATE TRIGGER inventory_version_notify AFTER INSERT OR UPDATE ON inventory_version
    FOR EACH ROW EXECUTE FUNCTION estivage_everything_changed()
    """,
]
DOWNGRADE = [
    "DROP TRIGGER inventory_version_notify ON inventory_version",
    "DROP TRIGGER stay_nights_truncate_notify ON stay_nights",
    "DROP TRIGGER stay_nights_notify ON stay_nights",
    "DROP FUNCTION estivage_everything_changed()",
    "DROP FUNCTION estivage_nights_changed()",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
