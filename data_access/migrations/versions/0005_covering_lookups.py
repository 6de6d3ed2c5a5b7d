"""children: the register's eligibility and scope columns in one index;
case_events: a case's contacts in a time window from the index alone;
subsidy_payments: a window's payments in (month, child) order, for the duplicate check

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_children_category_registered", table_name="children")
    op.create_index("ix_children_register", "children",
                    ["category", "registered_on", "exited_on", "birth_date", "street_id", "community_id"])
    op.drop_index("ix_case_events_case_time", table_name="case_events")
    op.create_index("ix_case_events_case_time_kind", "case_events", ["case_id", "occurred_at", "kind"])
    op.create_index("ix_subsidy_payments_month_child", "subsidy_payments", ["month", "child_id", "category", "amount"])


def downgrade() -> None:
    op.drop_index("ix_subsidy_payments_month_child", table_name="subsidy_payments")
    op.drop_index("ix_case_events_case_time_kind", table_name="case_events")
    op.create_index("ix_case_events_case_time", "case_events", ["case_id", "occurred_at"])
    op.drop_index("ix_children_register", table_name="children")
    op.create_index("ix_children_category_registered", "children", ["category", "registered_on"])
