"""training as sessions and attendance; each distinct staff.trained_on date becomes one session

Until now a staff member carried one ``trained_on`` date. Each distinct date becomes one on-site
session held that day (topic "年度培训", hours unknown) attended by every staff member with that date;
the column is then dropped. Downgrading puts back each staff member's latest session date.

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MIGRATED_TOPIC = "年度培训"


def upgrade() -> None:
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False, comment="online course, live broadcast or on-site session"),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("hours", sa.Numeric(4, 1), comment="length in hours; empty for sessions migrated from a bare date"),
        sa.CheckConstraint("mode IN ('online', 'live', 'on_site')", name=op.f("ck_training_sessions_training_mode_valid")),
        sa.CheckConstraint("hours IS NULL OR hours > 0", name=op.f("ck_training_sessions_training_hours_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    op.create_index(op.f("ix_training_sessions_held_on"), "training_sessions", ["held_on"])
    op.create_table(
        "training_attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["training_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_training_attendance_session_id_training_sessions")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_training_attendance_staff_id_staff")),
        sa.PrimaryKeyConstraint("session_id", "staff_id", name=op.f("pk_training_attendance")),
    )
    op.create_index(op.f("ix_training_attendance_staff_id"), "training_attendance", ["staff_id"])

    bind = op.get_bind()
    dates = bind.execute(sa.text("SELECT DISTINCT trained_on FROM staff WHERE trained_on IS NOT NULL "
                                 "ORDER BY trained_on")).scalars().all()
    for number, day in enumerate(dates, start=1):
        bind.execute(sa.text("INSERT INTO training_sessions (id, held_on, mode, topic) "
                             "VALUES (:id, :day, 'on_site', :topic)"), {"id": number, "day": day, "topic": MIGRATED_TOPIC})
        bind.execute(sa.text("INSERT INTO training_attendance (session_id, staff_id) "
                             "SELECT :id, id FROM staff WHERE trained_on = :day"), {"id": number, "day": day})
    # A native DROP COLUMN (SQLite 3.35+): rebuilding the table would trip the foreign keys that point at staff.
    op.execute("ALTER TABLE staff DROP COLUMN trained_on")


def downgrade() -> None:
    op.add_column("staff", sa.Column("trained_on", sa.Date(), comment="completed the year's training"))
    op.execute("UPDATE staff SET trained_on = (SELECT MAX(s.held_on) FROM training_attendance a "
               "JOIN training_sessions s ON s.id = a.session_id WHERE a.staff_id = staff.id)")
    op.drop_index("ix_training_attendance_staff_id", table_name="training_attendance")
    op.drop_table("training_attendance")
    op.drop_index("ix_training_sessions_held_on", table_name="training_sessions")
    op.drop_table("training_sessions")
