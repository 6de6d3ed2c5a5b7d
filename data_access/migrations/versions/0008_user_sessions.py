"""sign-in sessions kept on the server, so a reload or a second process keeps the viewer signed in

Revision ID: 0008
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the browser's token"),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_user_sessions_user_id_users")),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False, comment="the absolute end, whatever the activity"),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("end_reason", sa.String(20)),
        sa.CheckConstraint("end_reason IN ('sign_out', 'idle', 'expired', 'disabled', 'password')",
                           name=op.f("ck_user_sessions_end_reason_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
        comment="Sign-in sessions of local accounts; the browser holds the token in a signed cookie.",
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
