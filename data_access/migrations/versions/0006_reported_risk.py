"""cases: reports in a window counted by risk and scope from the index alone

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cases_reported_at", table_name="cases")
    op.create_index("ix_cases_reported_risk", "cases", ["reported_at", "risk_level", "street_id", "community_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_reported_risk", table_name="cases")
    op.create_index("ix_cases_reported_at", "cases", ["reported_at"])
