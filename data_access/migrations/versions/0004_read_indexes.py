"""case_events: read the latest events of a kind backwards from as-of;
subsidy_payments: the monthly aggregates by category in index order

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_events_kind_time_case", "case_events", ["kind", "occurred_at", "case_id"])
    op.create_index("ix_subsidy_payments_month_category", "subsidy_payments",
                    ["month", "category", "child_id", "amount"])


def downgrade() -> None:
    op.drop_index("ix_subsidy_payments_month_category", table_name="subsidy_payments")
    op.drop_index("ix_case_events_kind_time_case", table_name="case_events")
