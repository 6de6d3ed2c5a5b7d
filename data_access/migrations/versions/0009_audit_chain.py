"""audit_log: each row carries a hash of its content and of the row before it; existing rows are chained

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

from data_access.audit import GENESIS, row_hash

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_NO_UPDATE = ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
COMMENT = "SHA-256 of this row's content and the previous row's hash"


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("hash", sa.String(64), comment=COMMENT))
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    log = sa.table("audit_log", sa.column("id"), sa.column("at", sa.DateTime), sa.column("username"),
                   sa.column("action"), sa.column("target"), sa.column("detail"), sa.column("hash"))
    previous = GENESIS
    rows = bind.execute(sa.select(log.c.id, log.c.at, log.c.username, log.c.action, log.c.target, log.c.detail)
                        .order_by(log.c.id)).all()
    for row in rows:
        previous = row_hash(previous, row.at, row.username, row.action, row.target, row.detail)
        bind.execute(sa.update(log).where(log.c.id == row.id).values(hash=previous))
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute(SQLITE_NO_UPDATE)


def downgrade() -> None:
    op.drop_column("audit_log", "hash")
