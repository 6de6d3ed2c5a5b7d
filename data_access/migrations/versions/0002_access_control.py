"""access control: sign-in state on users, contact columns to mask, an append-only audit log

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGER = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def upgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("guardian_phone", sa.String(20)))
        batch.add_column(sa.Column("address", sa.Text()))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_since", sa.DateTime(),
                                   comment="first failed sign-in of the current run of failures"))
        batch.add_column(sa.Column("locked_until", sa.DateTime()))
        batch.add_column(sa.Column("last_sign_in_at", sa.DateTime()))
        batch.create_check_constraint("street_for_street_roles",
                                      "role NOT IN ('supervisor', 'director') OR street_id IS NOT NULL")
        batch.create_check_constraint("community_for_directors", "role <> 'director' OR community_id IS NOT NULL")
    with op.batch_alter_table("audit_log") as batch:
        batch.create_index("ix_audit_log_action", ["action"])
    statements = POSTGRES_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_action")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("community_for_directors", type_="check")
        batch.drop_constraint("street_for_street_roles", type_="check")
        for name in ("last_sign_in_at", "locked_until", "failed_since", "failed_attempts"):
            batch.drop_column(name)
    with op.batch_alter_table("children") as batch:
        batch.drop_column("address")
        batch.drop_column("guardian_phone")
