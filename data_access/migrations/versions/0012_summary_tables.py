"""summary tables: monthly payments, children paid, the register, data-quality counts, cases, coverage

The tables are created and filled from the rows already stored (data_access.summaries).

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Money = sa.Numeric(12, 2)


def upgrade() -> None:
    op.create_table(
        "summary_payments",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("street_id", sa.String(40), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False,
                  comment="distinct children paid in this month, street and category"),
        sa.Column("amount", Money, nullable=False),
        sa.Column("unregistered", sa.Integer(), nullable=False,
                  comment="payments for a child not on the register at the month's end"),
        sa.PrimaryKeyConstraint("month", "street_id", "category", name=op.f("pk_summary_payments")),
        comment="Payments per month, street and category (data_access.summaries).",
    )
    op.create_table(
        "summary_payment_children",
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.String(40), nullable=False, comment="ALL_STREETS ('') for the whole district"),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("start_month", "months", "street_id", name=op.f("pk_summary_payment_children")),
        comment="Distinct children paid in the months from start_month: every month, the first one to three months "
                "of every quarter and the first four to twelve of every year (data_access.summaries).",
    )
    op.create_table(
        "summary_register",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("street_id", sa.String(40), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("on_register", sa.Integer(), nullable=False, comment="on the register at the month's last day"),
        sa.Column("eligible", sa.Integer(), nullable=False, comment="of those, not yet 18 on that day"),
        sa.PrimaryKeyConstraint("month", "street_id", "category", name=op.f("pk_summary_register")),
        comment="The register of children in difficulty at each month's end (data_access.summaries).",
    )
    op.create_table(
        "summary_quality",
        sa.Column("street_id", sa.String(40), nullable=False, comment="ALL_STREETS ('') for the whole district"),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("incomplete", sa.Integer(), nullable=False,
                  comment="files lacking a field, a birth date in the future aside"),
        sa.Column("latest_birth", sa.Date(), comment="the latest birth date of a file complete but for that date"),
        sa.Column("no_community", sa.Integer(), nullable=False),
        sa.Column("duplicate_people", sa.Integer(), nullable=False),
        sa.Column("duplicate_files", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("street_id", name=op.f("pk_summary_quality")),
        comment="The children's data-quality counts per street (data_access.summaries).",
    )
    op.create_table(
        "summary_cases",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("street_id", sa.String(40), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "street_id", "risk_level", name=op.f("pk_summary_cases")),
        comment="Cases reported per month, street and risk level (data_access.summaries).",
    )
    op.create_table(
        "summary_coverage",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("end_month", sa.Date(), nullable=False, comment="exclusive"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_summary_coverage")),
        comment="The months a monthly summary holds (data_access.summaries).",
    )
    from data_access.summaries import refresh_summaries

    refresh_summaries(op.get_bind())


def downgrade() -> None:
    for name in ("summary_coverage", "summary_cases", "summary_quality", "summary_register", "summary_payment_children",
                 "summary_payments"):
        op.drop_table(name)
