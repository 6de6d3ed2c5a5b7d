"""subscriptions, their deliveries (one claim row per schedule slot) and the state of alert rules

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False, comment="the account whose scope decides the content"),
        sa.Column("what", sa.String(10), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, server_default="{}",
                  comment="JSON: language, alert rule, period, street"),
        sa.Column("schedule", sa.String(100), nullable=False, comment="five-field cron expression in Asia/Shanghai"),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.Text(), nullable=False,
                  comment="e-mail address or webhook URL (may hold a key: never shown)"),
        sa.Column("secret", sa.Text(), comment="DingTalk signing secret (never shown)"),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(60)),
        sa.CheckConstraint("what IN ('digest', 'briefing', 'alert')", name=op.f("ck_subscriptions_what_valid")),
        sa.CheckConstraint("channel IN ('email', 'wecom', 'dingtalk')", name=op.f("ck_subscriptions_channel_valid")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        comment="Digests, briefings and alerts sent on a schedule to an e-mail address or a chat robot.",
    )
    op.create_index(op.f("ix_subscriptions_user_id"), "subscriptions", ["user_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False, comment="the schedule's moment (local time) this row answers"),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(), comment="when a failed send is tried again"),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("detail", sa.Text(), comment="JSON: what was sent (kind, counts); never personal data"),
        sa.CheckConstraint("status IN ('sending', 'sent', 'skipped', 'retry', 'failed')",
                           name=op.f("ck_deliveries_status_valid")),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_deliveries_subscription_id_subscriptions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index("ix_deliveries_subscription_slot", "deliveries", ["subscription_id", "slot"], unique=True)
    op.create_index("ix_deliveries_status_next", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "alert_states",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("firing", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("fired_at", sa.DateTime(), comment="when the current firing began"),
        sa.Column("last_sent_at", sa.DateTime()),
        sa.Column("resolved_at", sa.DateTime()),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0",
                  comment="how many cases or children it found"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_alert_states_subscription_id_subscriptions")),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_alert_states")),
        comment="Whether an alert subscription's rule holds, and when it was last sent.",
    )


def downgrade() -> None:
    op.drop_table("alert_states")
    op.drop_index("ix_deliveries_status_next", table_name="deliveries")
    op.drop_index("ix_deliveries_subscription_slot", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_subscriptions_user_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
