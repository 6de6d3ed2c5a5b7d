"""baseline: the foundation schema

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('dataset_info',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dataset_info')),
    comment='Facts about the dataset: whether it is synthetic, its as-of moment, how it was built.'
    )
    op.create_table('streets',
    sa.Column('id', sa.String(length=40), nullable=False, comment='pinyin in lower case, used in URLs'),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=True, comment='GeoJSON geometry of the street cell'),
    sa.Column('geometry_crs', sa.String(length=8), server_default='WGS84', nullable=False),
    sa.Column('geometry_source', sa.String(length=20), server_default='schematic', nullable=False),
    sa.CheckConstraint("geometry_crs IN ('WGS84', 'GCJ02', 'BD09')", name=op.f('ck_streets_geometry_crs_valid')),
    sa.CheckConstraint("geometry_source IN ('schematic', 'official')", name=op.f('ck_streets_geometry_source_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_streets')),
    sa.UniqueConstraint('code', name=op.f('uq_streets_code')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_streets_name_zh'))
    )
    op.create_table('subsidy_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True, comment='exclusive; NULL while in force'),
    sa.Column('monthly_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("category IN ('orphan', 'de_facto_unsupported', 'other_difficulty')", name=op.f('ck_subsidy_standards_category_valid')),
    sa.CheckConstraint('monthly_amount > 0', name=op.f('ck_subsidy_standards_amount_positive')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_subsidy_standards_valid_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_standards'))
    )
    with op.batch_alter_table('subsidy_standards', schema=None) as batch_op:
        batch_op.create_index('ix_subsidy_standards_category_from', ['category', 'valid_from'], unique=True)

    op.create_table('communities',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_communities_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communities')),
    sa.UniqueConstraint('code', name=op.f('uq_communities_code'))
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communities_street_id'), ['street_id'], unique=False)

    op.create_table('grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=True, comment='NULL for district-wide grants'),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('spring_festival', 'mid_autumn', 'special_living', 'donation')", name=op.f('ck_grants_kind_valid')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_grants_amount_not_negative')),
    sa.CheckConstraint('recipients >= 0', name=op.f('ck_grants_recipients_not_negative')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_grants_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants'))
    )
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.create_index('ix_grants_granted_on', ['granted_on'], unique=False)

    op.create_table('social_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.CheckConstraint("category IN ('psych_counselling', 'youth_social_group', 'youth_service_other')", name=op.f('ck_social_orgs_category_valid')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_social_orgs_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_orgs'))
    )
    with op.batch_alter_table('social_orgs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_orgs_street_id'), ['street_id'], unique=False)

    op.create_table('stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('beds', sa.Integer(), nullable=True),
    sa.Column('area_m2', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.CheckConstraint("kind IN ('district_service_centre', 'district_rescue_centre', 'rescue_room', 'street_station', 'planned_facility')", name=op.f('ck_stations_kind_valid')),
    sa.CheckConstraint("status IN ('open', 'planned', 'closed')", name=op.f('ck_stations_status_valid')),
    sa.ForeignKeyConstraint(['parent_id'], ['stations.id'], name=op.f('fk_stations_parent_id_stations')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_stations_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations'))
    )
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stations_street_id'), ['street_id'], unique=False)

    op.create_table('children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_no', sa.String(length=20), nullable=False, comment='one file per child'),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.String(length=60), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=True, comment='child-in-difficulty category; NULL when not registered as one'),
    sa.Column('registered_on', sa.Date(), nullable=True, comment='entered the register of children in difficulty'),
    sa.Column('exited_on', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint("category IN ('orphan', 'de_facto_unsupported', 'other_difficulty')", name=op.f('ck_children_category_valid')),
    sa.CheckConstraint("exit_reason IN ('aged_out', 'adopted', 'family_recovered', 'moved_away', 'other')", name=op.f('ck_children_exit_reason_valid')),
    sa.CheckConstraint("gender IN ('F', 'M')", name=op.f('ck_children_gender_valid')),
    sa.CheckConstraint('exited_on IS NULL OR exited_on >= registered_on', name=op.f('ck_children_exit_after_entry')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_children_community_id_communities')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_children_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children')),
    sa.UniqueConstraint('file_no', name=op.f('uq_children_file_no')),
    sa.UniqueConstraint('id_number', name=op.f('uq_children_id_number'))
    )
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index('ix_children_category_registered', ['category', 'registered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_street_id'), ['street_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=True),
    sa.Column('community_id', sa.String(length=60), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('trained_on', sa.Date(), nullable=True, comment="completed the year's training"),
    sa.CheckConstraint("role IN ('supervisor', 'director', 'social_worker', 'centre_staff')", name=op.f('ck_staff_role_valid')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_staff_community_id_communities')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_staff_station_id_stations')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_staff_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_street_id'), ['street_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=True),
    sa.Column('community_id', sa.String(length=60), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('leader', 'supervisor', 'director', 'analyst', 'admin')", name=op.f('ck_users_role_valid')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_users_community_id_communities')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_users_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_no', sa.String(length=20), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.String(length=60), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('crisis_type', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('mandatory_report', sa.Boolean(), nullable=False),
    sa.Column('flag_self_harm', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('flag_safety_plan', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('flag_temp_guardianship', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('assigned_staff_id', sa.Integer(), nullable=True),
    sa.Column('referral_target', sa.String(length=12), nullable=True),
    sa.Column('referral_org_id', sa.Integer(), nullable=True),
    sa.Column('referral_status', sa.String(length=10), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("crisis_type IN ('suicidal_ideation', 'self_harm', 'depression_anxiety', 'family_conflict', 'abuse', 'neglect', 'bullying', 'school_refusal')", name=op.f('ck_cases_crisis_type_valid')),
    sa.CheckConstraint("referral_status IN ('pending', 'accepted', 'completed', 'declined')", name=op.f('ck_cases_referral_status_valid')),
    sa.CheckConstraint("referral_target IN ('social_org', 'hospital', 'school', 'police')", name=op.f('ck_cases_referral_target_valid')),
    sa.CheckConstraint("risk_level IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_cases_risk_level_valid')),
    sa.CheckConstraint("source IN ('school', 'hospital', 'police', 'community', 'hotline', 'active_discovery', 'family', 'self')", name=op.f('ck_cases_source_valid')),
    sa.CheckConstraint("stage IN ('reported', 'verifying', 'assessing', 'intervening', 'referred', 'follow_up', 'closed')", name=op.f('ck_cases_stage_valid')),
    sa.CheckConstraint('closed_at IS NULL OR closed_at >= reported_at', name=op.f('ck_cases_closed_after_report')),
    sa.CheckConstraint('first_response_at IS NULL OR first_response_at >= reported_at', name=op.f('ck_cases_response_after_report')),
    sa.ForeignKeyConstraint(['assigned_staff_id'], ['staff.id'], name=op.f('fk_cases_assigned_staff_id_staff')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_cases_child_id_children')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_cases_community_id_communities')),
    sa.ForeignKeyConstraint(['referral_org_id'], ['social_orgs.id'], name=op.f('fk_cases_referral_org_id_social_orgs')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_cases_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_no', name=op.f('uq_cases_case_no'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assigned_staff_id'), ['assigned_staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_cases_closed_reported', ['closed_at', 'reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_cases_reported_at', ['reported_at'], unique=False)
        batch_op.create_index('ix_cases_street_stage_risk', ['street_id', 'stage', 'risk_level'], unique=False)

    op.create_table('subsidy_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_no', sa.String(length=24), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False, comment='first day of the month paid for'),
    sa.Column('category', sa.String(length=30), nullable=False, comment="the child's category when paid"),
    sa.Column('street_id', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.CheckConstraint("category IN ('orphan', 'de_facto_unsupported', 'other_difficulty')", name=op.f('ck_subsidy_payments_category_valid')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_subsidy_payments_amount_not_negative')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_subsidy_payments_child_id_children')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_subsidy_payments_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_payments')),
    sa.UniqueConstraint('payment_no', name=op.f('uq_subsidy_payments_payment_no'))
    )
    with op.batch_alter_table('subsidy_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_payments_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_subsidy_payments_month_street', ['month', 'street_id', 'category', 'child_id', 'amount'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False, comment='the stage the case is in after this event'),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('reported', 'first_response', 'stage_change', 'home_visit', 'phone_contact', 'referral', 'closed')", name=op.f('ck_case_events_kind_valid')),
    sa.CheckConstraint("stage IN ('reported', 'verifying', 'assessing', 'intervening', 'referred', 'follow_up', 'closed')", name=op.f('ck_case_events_stage_valid')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_case_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_time', ['case_id', 'occurred_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case_time')

    op.drop_table('case_events')
    with op.batch_alter_table('subsidy_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_subsidy_payments_month_street')
        batch_op.drop_index(batch_op.f('ix_subsidy_payments_child_id'))

    op.drop_table('subsidy_payments')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_street_stage_risk')
        batch_op.drop_index('ix_cases_reported_at')
        batch_op.drop_index(batch_op.f('ix_cases_community_id'))
        batch_op.drop_index('ix_cases_closed_reported')
        batch_op.drop_index(batch_op.f('ix_cases_child_id'))
        batch_op.drop_index(batch_op.f('ix_cases_assigned_staff_id'))

    op.drop_table('cases')
    op.drop_table('users')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_street_id'))
        batch_op.drop_index(batch_op.f('ix_staff_community_id'))

    op.drop_table('staff')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_street_id'))
        batch_op.drop_index(batch_op.f('ix_children_community_id'))
        batch_op.drop_index('ix_children_category_registered')

    op.drop_table('children')
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stations_street_id'))

    op.drop_table('stations')
    with op.batch_alter_table('social_orgs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_orgs_street_id'))

    op.drop_table('social_orgs')
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index('ix_grants_granted_on')

    op.drop_table('grants')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communities_street_id'))

    op.drop_table('communities')
    with op.batch_alter_table('subsidy_standards', schema=None) as batch_op:
        batch_op.drop_index('ix_subsidy_standards_category_from')

    op.drop_table('subsidy_standards')
    op.drop_table('streets')
    op.drop_table('dataset_info')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
