"""payments: look up a child's payment for a month in one seek

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subsidy_payments") as batch:
        batch.drop_index("ix_subsidy_payments_child_id")
        batch.create_index("ix_subsidy_payments_child_month", ["child_id", "month"])


def downgrade() -> None:
    with op.batch_alter_table("subsidy_payments") as batch:
        batch.drop_index("ix_subsidy_payments_child_month")
        batch.create_index("ix_subsidy_payments_child_id", ["child_id"])
