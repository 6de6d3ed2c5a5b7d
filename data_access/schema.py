"""The database schema: SQLAlchemy Core tables in one MetaData."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

from data_access import vocab

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Money = Numeric(12, 2)


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


dataset_info = Table(
    "dataset_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
    comment="Facts about the dataset: whether it is synthetic, its as-of moment, how it was built.",
)

streets = Table(
    "streets",
    metadata,
    Column("id", String(40), primary_key=True, comment="pinyin in lower case, used in URLs"),
    Column("code", String(12), nullable=False, unique=True),
    Column("name_zh", String(40), nullable=False, unique=True),
    Column("name_en", String(80), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("sort_order", Integer, nullable=False),
    Column("geometry", Text, comment="GeoJSON geometry of the street cell"),
    Column("geometry_crs", String(8), nullable=False, server_default="WGS84"),
    Column("geometry_source", String(20), nullable=False, server_default="schematic"),
    one_of("geometry_crs", ("WGS84", "GCJ02", "BD09")),
    one_of("geometry_source", ("schematic", "official")),
)

communities = Table(
    "communities",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("street_id", ForeignKey("streets.id"), nullable=False, index=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name_zh", String(40), nullable=False),
    Column("name_en", String(80), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
)

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("name_zh", String(80), nullable=False),
    Column("name_en", String(160), nullable=False),
    Column("street_id", ForeignKey("streets.id"), index=True),
    Column("parent_id", ForeignKey("stations.id")),
    Column("status", String(10), nullable=False),
    Column("opened_on", Date),
    Column("beds", Integer),
    Column("area_m2", Integer),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    one_of("kind", vocab.STATION_KINDS),
    one_of("status", vocab.STATION_STATUSES),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("role", String(20), nullable=False),
    Column("street_id", ForeignKey("streets.id"), index=True),
    Column("community_id", ForeignKey("communities.id"), index=True),
    Column("station_id", ForeignKey("stations.id")),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    one_of("role", vocab.STAFF_ROLES),
)

training_sessions = Table(
    "training_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("held_on", Date, nullable=False, index=True),
    Column("mode", String(10), nullable=False, comment="online course, live broadcast or on-site session"),
    Column("topic", String(120), nullable=False),
    Column("hours", Numeric(4, 1), comment="length in hours; empty for sessions migrated from a bare date"),
    one_of("mode", vocab.TRAINING_MODES, "training_mode_valid"),
    CheckConstraint("hours IS NULL OR hours > 0", name="training_hours_positive"),
)

training_attendance = Table(
    "training_attendance",
    metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), primary_key=True, index=True),
)

social_orgs = Table(
    "social_orgs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name_zh", String(80), nullable=False),
    Column("name_en", String(160), nullable=False),
    Column("category", String(30), nullable=False),
    Column("street_id", ForeignKey("streets.id"), index=True),
    Column("registered_on", Date, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    one_of("category", vocab.ORG_CATEGORIES),
)

children = Table(
    "children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_no", String(20), nullable=False, unique=True, comment="one file per child"),
    Column("name", String(40), nullable=False),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("gender", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("street_id", ForeignKey("streets.id"), nullable=False, index=True),
    Column("community_id", ForeignKey("communities.id"), index=True),
    Column("category", String(30), comment="child-in-difficulty category; NULL when not registered as one"),
    Column("registered_on", Date, comment="entered the register of children in difficulty"),
    Column("exited_on", Date),
    Column("exit_reason", String(20)),
    Column("guardian_phone", String(20)),
    Column("address", Text),
    one_of("gender", vocab.GENDERS),
    one_of("category", vocab.CHILD_CATEGORIES),
    one_of("exit_reason", vocab.EXIT_REASONS),
    CheckConstraint("exited_on IS NULL OR exited_on >= registered_on", name="exit_after_entry"),
    # Who is on the register, and eligible, on a day, with the scope's columns: counts read the index only.
    Index("ix_children_register", "category", "registered_on", "exited_on", "birth_date", "street_id",
          "community_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(20), nullable=False, unique=True),
    Column("child_id", ForeignKey("children.id"), nullable=False, index=True),
    Column("street_id", ForeignKey("streets.id"), nullable=False),
    Column("community_id", ForeignKey("communities.id"), nullable=False, index=True),
    Column("risk_level", String(10), nullable=False),
    Column("stage", String(12), nullable=False),
    Column("crisis_type", String(24), nullable=False),
    Column("source", String(20), nullable=False),
    Column("mandatory_report", Boolean, nullable=False),
    Column("flag_self_harm", Boolean, nullable=False, server_default="0"),
    Column("flag_safety_plan", Boolean, nullable=False, server_default="0"),
    Column("flag_temp_guardianship", Boolean, nullable=False, server_default="0"),
    Column("assigned_staff_id", ForeignKey("staff.id"), index=True),
    Column("referral_target", String(12)),
    Column("referral_org_id", ForeignKey("social_orgs.id")),
    Column("referral_status", String(10)),
    Column("reported_at", DateTime, nullable=False),
    Column("first_response_at", DateTime),
    Column("last_contact_at", DateTime),
    Column("closed_at", DateTime),
    one_of("risk_level", vocab.RISK_LEVELS),
    one_of("stage", vocab.STAGES),
    one_of("crisis_type", vocab.CRISIS_TYPES),
    one_of("source", vocab.REPORT_SOURCES),
    one_of("referral_target", vocab.REFERRAL_TARGETS),
    one_of("referral_status", vocab.REFERRAL_STATUSES),
    CheckConstraint("first_response_at IS NULL OR first_response_at >= reported_at", name="response_after_report"),
    CheckConstraint("closed_at IS NULL OR closed_at >= reported_at", name="closed_after_report"),
    Index("ix_cases_street_stage_risk", "street_id", "stage", "risk_level"),
    # Counts of cases reported in a window, by risk and within a street or community, from the index alone.
    Index("ix_cases_reported_risk", "reported_at", "risk_level", "street_id", "community_id"),
    # Serves "open at as_of" (closed_at IS NULL OR closed_at > t, reported_at <= t) from the index alone.
    Index("ix_cases_closed_reported", "closed_at", "reported_at"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("stage", String(12), nullable=False, comment="the stage the case is in after this event"),
    Column("staff_id", ForeignKey("staff.id")),
    Column("note", Text),
    one_of("kind", vocab.EVENT_KINDS),
    one_of("stage", vocab.STAGES),
    # A case's events in time order; with the kind, "was there a contact in this window?" reads the index only.
    Index("ix_case_events_case_time_kind", "case_id", "occurred_at", "kind"),
    # The latest event of a kind by as-of, read backwards (the map's last home visit per community).
    Index("ix_case_events_kind_time_case", "kind", "occurred_at", "case_id"),
)

subsidy_standards = Table(
    "subsidy_standards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(30), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, comment="exclusive; NULL while in force"),
    Column("monthly_amount", Money, nullable=False),
    one_of("category", vocab.CHILD_CATEGORIES),
    CheckConstraint("monthly_amount > 0", name="amount_positive"),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
    Index("ix_subsidy_standards_category_from", "category", "valid_from", unique=True),
)

subsidy_payments = Table(
    "subsidy_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payment_no", String(24), nullable=False, unique=True),
    Column("child_id", ForeignKey("children.id"), nullable=False),
    Column("month", Date, nullable=False, comment="first day of the month paid for"),
    Column("category", String(30), nullable=False, comment="the child's category when paid"),
    Column("street_id", ForeignKey("streets.id"), nullable=False),
    Column("amount", Money, nullable=False),
    Column("paid_on", Date, nullable=False),
    one_of("category", vocab.CHILD_CATEGORIES),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    # Covers the monthly aggregates (by month, street and category) without reading the table.
    Index("ix_subsidy_payments_month_street", "month", "street_id", "category", "child_id", "amount"),
    # The same by month and category, in group order: no sort for the monthly trend by category.
    Index("ix_subsidy_payments_month_category", "month", "category", "child_id", "amount"),
    # "Was this child paid for this month?" in one seek (the reconciliation asks it per child and month).
    Index("ix_subsidy_payments_child_month", "child_id", "month"),
    # A window's payments grouped per month and child in index order (the duplicate check).
    Index("ix_subsidy_payments_month_child", "month", "child_id", "category", "amount"),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("street_id", ForeignKey("streets.id"), comment="NULL for district-wide grants"),
    Column("description_zh", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    one_of("kind", vocab.GRANT_KINDS),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("recipients >= 0", name="recipients_not_negative"),
    Index("ix_grants_granted_on", "granted_on"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(60), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("role", String(12), nullable=False),
    Column("street_id", ForeignKey("streets.id")),
    Column("community_id", ForeignKey("communities.id")),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", DateTime, nullable=False),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("failed_since", DateTime, comment="first failed sign-in of the current run of failures"),
    Column("locked_until", DateTime),
    Column("last_sign_in_at", DateTime),
    one_of("role", ("leader", "supervisor", "director", "analyst", "admin")),
    CheckConstraint("role NOT IN ('supervisor', 'director') OR street_id IS NOT NULL", name="street_for_street_roles"),
    CheckConstraint("role <> 'director' OR community_id IS NOT NULL", name="community_for_directors"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SHA-256 of the browser's token"),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, comment="the absolute end, whatever the activity"),
    Column("ended_at", DateTime),
    Column("end_reason", String(20)),
    one_of("end_reason", ("sign_out", "idle", "expired", "disabled", "password")),
    comment="Sign-in sessions of local accounts; the browser holds the token in a signed cookie.",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(60)),
    Column("action", String(30), nullable=False, index=True),
    Column("target", Text),
    Column("detail", Text),
    Column("hash", String(64), comment="SHA-256 of this row's content and the previous row's hash"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True,
           comment="the account whose scope decides the content"),
    Column("what", String(10), nullable=False),
    Column("params", Text, nullable=False, server_default="{}", comment="JSON: language, alert rule, period, street"),
    Column("schedule", String(100), nullable=False, comment="five-field cron expression in Asia/Shanghai"),
    Column("channel", String(10), nullable=False),
    Column("address", Text, nullable=False, comment="e-mail address or webhook URL (may hold a key: never shown)"),
    Column("secret", Text, comment="DingTalk signing secret (never shown)"),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(60)),
    one_of("what", ("digest", "briefing", "alert")),
    one_of("channel", ("email", "wecom", "dingtalk")),
    comment="Digests, briefings and alerts sent on a schedule to an e-mail address or a chat robot.",
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", ForeignKey("subscriptions.id"), nullable=False),
    Column("slot", DateTime, nullable=False, comment="the schedule's moment (local time) this row answers"),
    Column("status", String(10), nullable=False),
    Column("claimed_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, comment="when a failed send is tried again"),
    Column("sent_at", DateTime),
    Column("last_error", Text),
    Column("detail", Text, comment="JSON: what was sent (kind, counts); never personal data"),
    one_of("status", ("sending", "sent", "skipped", "retry", "failed")),
    # The claim: a slot of a subscription is taken by one run only, whatever runs overlap.
    Index("ix_deliveries_subscription_slot", "subscription_id", "slot", unique=True),
    Index("ix_deliveries_status_next", "status", "next_attempt_at"),
)

alert_states = Table(
    "alert_states",
    metadata,
    Column("subscription_id", ForeignKey("subscriptions.id"), primary_key=True),
    Column("firing", Boolean, nullable=False, server_default="0"),
    Column("fired_at", DateTime, comment="when the current firing began"),
    Column("last_sent_at", DateTime),
    Column("resolved_at", DateTime),
    Column("count", Integer, nullable=False, server_default="0", comment="how many cases or children it found"),
    comment="Whether an alert subscription's rule holds, and when it was last sent.",
)


# --- summaries ------------------------------------------------------------------------------------------
# Monthly figures kept so that no chart reads every payment or every child; data_access.summaries
# rebuilds them in the transaction of every import and of the sample build. They are by street, so a
# street scope reads them too; a community scope reads the rows themselves. ALL_STREETS stands for the
# whole district where a count cannot be summed over streets (distinct children, duplicate files).
ALL_STREETS = ""

summary_payments = Table(
    "summary_payments",
    metadata,
    Column("month", Date, primary_key=True),
    Column("street_id", String(40), primary_key=True),
    Column("category", String(30), primary_key=True),
    Column("person_times", Integer, nullable=False),
    Column("children", Integer, nullable=False, comment="distinct children paid in this month, street and category"),
    Column("amount", Money, nullable=False),
    Column("unregistered", Integer, nullable=False,
           comment="payments for a child not on the register at the month's end"),
    comment="Payments per month, street and category (data_access.summaries).",
)

summary_payment_children = Table(
    "summary_payment_children",
    metadata,
    Column("start_month", Date, primary_key=True),
    Column("months", Integer, primary_key=True),
    Column("street_id", String(40), primary_key=True, comment="ALL_STREETS ('') for the whole district"),
    Column("children", Integer, nullable=False),
    comment="Distinct children paid in the months from start_month: every month, the first one to three months "
            "of every quarter and the first four to twelve of every year (data_access.summaries).",
)

summary_register = Table(
    "summary_register",
    metadata,
    Column("month", Date, primary_key=True),
    Column("street_id", String(40), primary_key=True),
    Column("category", String(30), primary_key=True),
    Column("on_register", Integer, nullable=False, comment="on the register at the month's last day"),
    Column("eligible", Integer, nullable=False, comment="of those, not yet 18 on that day"),
    comment="The register of children in difficulty at each month's end (data_access.summaries).",
)

summary_quality = Table(
    "summary_quality",
    metadata,
    Column("street_id", String(40), primary_key=True, comment="ALL_STREETS ('') for the whole district"),
    Column("files", Integer, nullable=False),
    Column("incomplete", Integer, nullable=False, comment="files lacking a field, a birth date in the future aside"),
    Column("latest_birth", Date, comment="the latest birth date of a file complete but for that date"),
    Column("no_community", Integer, nullable=False),
    Column("duplicate_people", Integer, nullable=False),
    Column("duplicate_files", Integer, nullable=False),
    comment="The children's data-quality counts per street (data_access.summaries).",
)

summary_cases = Table(
    "summary_cases",
    metadata,
    Column("month", Date, primary_key=True),
    Column("street_id", String(40), primary_key=True),
    Column("risk_level", String(10), primary_key=True),
    Column("reported", Integer, nullable=False),
    comment="Cases reported per month, street and risk level (data_access.summaries).",
)

summary_coverage = Table(
    "summary_coverage",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("first_month", Date, nullable=False),
    Column("end_month", Date, nullable=False, comment="exclusive"),
    comment="The months a monthly summary holds (data_access.summaries).",
)

SUMMARY_TABLES = (summary_payments, summary_payment_children, summary_register, summary_quality, summary_cases,
                  summary_coverage)
