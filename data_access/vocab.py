"""Fixed vocabularies stored in the database. Check constraints in the schema use them."""

CHILD_CATEGORIES = ("orphan", "de_facto_unsupported", "other_difficulty")
# Categories paid the full monthly standard (孤儿, 事实无人抚养儿童).
FULL_STANDARD_CATEGORIES = ("orphan", "de_facto_unsupported")
GENDERS = ("F", "M")
EXIT_REASONS = ("aged_out", "adopted", "family_recovered", "moved_away", "other")

STATION_KINDS = (
    "district_service_centre",
    "district_rescue_centre",
    "rescue_room",
    "street_station",
    "planned_facility",
)
STATION_STATUSES = ("open", "planned", "closed")

STAFF_ROLES = ("supervisor", "director", "social_worker", "centre_staff")
TRAINING_MODES = ("online", "live", "on_site")
ORG_CATEGORIES = ("psych_counselling", "youth_social_group", "youth_service_other")

RISK_LEVELS = ("critical", "high", "medium", "low")
STAGES = ("reported", "verifying", "assessing", "intervening", "referred", "follow_up", "closed")
CRISIS_TYPES = (
    "suicidal_ideation",
    "self_harm",
    "depression_anxiety",
    "family_conflict",
    "abuse",
    "neglect",
    "bullying",
    "school_refusal",
)
REPORT_SOURCES = (
    "school",
    "hospital",
    "police",
    "community",
    "hotline",
    "active_discovery",
    "family",
    "self",
)
# Reporters bound by the mandatory-reporting system (强制报告).
MANDATORY_SOURCES = ("school", "hospital", "police", "community", "hotline")
REFERRAL_TARGETS = ("social_org", "hospital", "school", "police")
REFERRAL_STATUSES = ("pending", "accepted", "completed", "declined")
EVENT_KINDS = (
    "reported",
    "first_response",
    "stage_change",
    "home_visit",
    "phone_contact",
    "referral",
    "closed",
)
# Event kinds that count as contact with the child or family.
CONTACT_EVENT_KINDS = ("first_response", "home_visit", "phone_contact")

GRANT_KINDS = ("spring_festival", "mid_autumn", "special_living", "donation")
