"""The crisis-case queue, matrix, workload, detail and indicators, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text

from data_access import cases, schema
from data_access.cases import CaseFilters
from data_access.config import to_local
from data_access.types import Filters, Period, Scope

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()
T = datetime(2022, 6, 1, 9, 0)


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


OPEN = "reported_at <= :t AND (closed_at IS NULL OR closed_at > :t)"


# --- deadlines at the boundaries, on a small hand-made database ------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def tiny(request, tmp_path_factory):
    from tests.harness import engine_for

    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_tiny")
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(schema.streets), [dict(id="futian", code="1", name_zh="福田", name_en="Futian", lat=22.5,
                                                   lon=114.0, sort_order=1)])
        conn.execute(insert(schema.communities), [dict(id="futian-01", street_id="futian", code="11", name_zh="岗厦",
                                                       name_en="Gangxia", lat=22.5, lon=114.0)])
        conn.execute(insert(schema.children), [dict(id=1, file_no="F1", name="张三明", id_number="990304201001010011",
                                                    gender="M", birth_date=date(2010, 1, 1), street_id="futian",
                                                    community_id="futian-01")])
    yield engine
    engine.dispose()


def add_case(engine, case_no: str, risk: str, reported: datetime, responded: datetime | None = None,
             contact: datetime | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.cases).values(
            case_no=case_no, child_id=1, street_id="futian", community_id="futian-01", risk_level=risk,
            stage="verifying" if responded else "reported", crisis_type="abuse", source="school",
            mandatory_report=True, reported_at=reported, first_response_at=responded, last_contact_at=contact,
        ))


def bucket(engine, rules, as_of: datetime) -> str:
    matrix = cases.needs_action_matrix(engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    found = [(level, b) for level in matrix.index for b in matrix.columns if matrix.loc[level, b]]
    assert len(found) == 1
    return found[0][1]


@pytest.mark.parametrize(
    "offset, expected",
    [
        (timedelta(hours=1), "due_24h"),
        (timedelta(hours=2) - timedelta(seconds=1), "due_24h"),
        (timedelta(hours=2), "due_24h"),  # exactly at the deadline: due, not yet overdue
        (timedelta(hours=2, seconds=1), "overdue"),
    ],
)
def test_first_response_deadline_of_a_critical_case(tiny, rules, offset, expected):
    add_case(tiny, "C-1", "critical", T)
    assert bucket(tiny, rules, T + offset) == expected


@pytest.mark.parametrize(
    "offset, expected",
    [
        (timedelta(hours=143, minutes=59), "on_time"),
        (timedelta(hours=144), "on_time"),  # exactly 24 h left
        (timedelta(hours=144, seconds=1), "due_24h"),
        (timedelta(hours=168), "due_24h"),
        (timedelta(hours=168, seconds=1), "overdue"),
    ],
)
def test_first_response_deadline_of_a_low_risk_case(tiny, rules, offset, expected):
    add_case(tiny, "L-1", "low", T)
    assert bucket(tiny, rules, T + offset) == expected


@pytest.mark.parametrize(
    "contact, offset, expected",
    [
        (None, timedelta(days=7), "due_24h"),  # follow-up clock runs from the first response
        (None, timedelta(days=7, seconds=1), "overdue"),
        (T + timedelta(days=3), timedelta(days=10), "due_24h"),
        (T + timedelta(days=3), timedelta(days=10, seconds=1), "overdue"),
        (T + timedelta(days=3), timedelta(days=8, seconds=59), "on_time"),
    ],
)
def test_follow_up_deadline_of_a_high_risk_case(tiny, rules, contact, offset, expected):
    add_case(tiny, "H-1", "high", T - timedelta(hours=1), responded=T, contact=contact)
    assert bucket(tiny, rules, T + offset) == expected


def test_a_response_after_as_of_does_not_count_yet(tiny, rules):
    add_case(tiny, "C-2", "critical", T, responded=T + timedelta(hours=5))
    assert bucket(tiny, rules, T + timedelta(hours=3)) == "overdue"
    assert bucket(tiny, rules, T + timedelta(hours=6)) == "on_time"


def test_as_of_with_a_time_zone_is_read_as_shanghai_time(tiny, rules):
    add_case(tiny, "C-3", "critical", T)
    utc = datetime(2022, 6, 1, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai: two hours after the report
    assert to_local(utc) == T + timedelta(hours=2)
    assert bucket(tiny, rules, to_local(utc)) == "due_24h"
    assert bucket(tiny, rules, to_local(utc + timedelta(seconds=1))) == "overdue"


def test_queue_countdown_columns(tiny, rules):
    add_case(tiny, "C-4", "critical", T)
    rows = cases.case_queue(tiny, DISTRICT, Q2, CaseFilters(), T + timedelta(hours=5), rules).rows
    assert rows.loc[0, "due_kind"] == "first_response"
    assert rows.loc[0, "due_at"] == T + timedelta(hours=2)
    assert rows.loc[0, "due_status"] == "overdue"


# --- filters against direct SQL on the sample database -----------------------------------------


FILTER_CASES = [
    (CaseFilters(), ""),
    (CaseFilters(risks=("critical", "high")), "AND risk_level IN ('critical','high')"),
    (CaseFilters(stages=("assessing", "follow_up")), "AND stage IN ('assessing','follow_up')"),
    (CaseFilters(crisis_types=("abuse",)), "AND crisis_type = 'abuse'"),
    (CaseFilters(mandatory=True), "AND mandatory_report = :yes"),
    (CaseFilters(mandatory=False), "AND mandatory_report = :no"),
    (CaseFilters(flags=("self_harm", "safety_plan")), "AND flag_self_harm = :yes AND flag_safety_plan = :yes"),
    (CaseFilters(flags=("temp_guardianship",)), "AND flag_temp_guardianship = :yes"),
    (CaseFilters(flags=("mandatory_report",)), "AND mandatory_report = :yes"),
    (CaseFilters(reported_from=date(2022, 6, 1), reported_to=date(2022, 6, 15)),
     "AND reported_at >= :d1 AND reported_at < :d2"),
    (CaseFilters(no_contact_days=30), "AND COALESCE(last_contact_at, first_response_at, reported_at) < :c30"),
    (CaseFilters(case_no="2022-001"), "AND case_no LIKE '%2022-001%'"),
]


@pytest.mark.parametrize("case_filters, sql", FILTER_CASES)
def test_each_filter_matches_direct_sql(sample_engine, rules, as_of, case_filters, sql):
    expected = count(
        sample_engine, f"SELECT COUNT(*) FROM cases WHERE {OPEN} {sql}", t=as_of, yes=True, no=False,
        d1=datetime(2022, 6, 1), d2=datetime(2022, 6, 16), c30=as_of - timedelta(days=30),
    )
    queue = cases.case_queue(sample_engine, DISTRICT, Q2, case_filters, as_of, rules, page_size=1000)
    assert queue.total == len(queue.rows) == expected
    assert expected > 0, "the sample should have something for every filter"


def test_staff_and_community_filters(sample_engine, rules, as_of):
    with sample_engine.connect() as conn:
        staff_id, community = conn.execute(
            text(f"SELECT assigned_staff_id, community_id FROM cases WHERE {OPEN} LIMIT 1"), {"t": as_of}).one()
    by_staff = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(staff_id=staff_id), as_of, rules)
    assert by_staff.total == count(sample_engine, f"SELECT COUNT(*) FROM cases WHERE {OPEN} AND assigned_staff_id = :s",
                                   t=as_of, s=staff_id)
    in_community = Filters(Q2.period, community_id=community)
    by_community = cases.case_queue(sample_engine, DISTRICT, in_community, CaseFilters(), as_of, rules)
    assert by_community.total == count(sample_engine, f"SELECT COUNT(*) FROM cases WHERE {OPEN} AND community_id = :c",
                                       t=as_of, c=community)


def test_closed_stage_lists_closed_cases(sample_engine, rules, as_of):
    queue = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(stages=("closed",)), as_of, rules, page_size=5)
    assert queue.total == count(sample_engine, "SELECT COUNT(*) FROM cases WHERE closed_at <= :t", t=as_of)
    assert set(queue.rows["due_status"]) == {"closed"} and queue.rows["due_kind"].isna().all()


def test_case_number_search_treats_wildcards_as_text(sample_engine, rules, as_of):
    for pattern in ("%", "_", "FT-2022-0014%", "' OR 1=1 --"):
        queue = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(case_no=pattern), as_of, rules)
        assert queue.total == 0, pattern


def test_every_matrix_cell_equals_the_filtered_queue(sample_engine, rules, as_of):
    matrix = cases.needs_action_matrix(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    assert matrix.values.sum() == count(sample_engine, f"SELECT COUNT(*) FROM cases WHERE {OPEN}", t=as_of)
    assert matrix["overdue"].sum() > 0 and matrix["due_24h"].sum() > 0
    for level in matrix.index:
        for bucket_name in matrix.columns:
            cell = CaseFilters(risks=(level,), due=(bucket_name,))
            queue = cases.case_queue(sample_engine, DISTRICT, Q2, cell, as_of, rules, page_size=500)
            assert queue.total == matrix.loc[level, bucket_name], (level, bucket_name)
            assert set(queue.rows["due_status"]) <= {bucket_name}


def test_several_deadline_states_are_one_list(sample_engine, rules, as_of):
    matrix = cases.needs_action_matrix(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    both = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(due=("overdue", "due_24h")), as_of, rules,
                            page_size=500)
    assert both.total == matrix["overdue"].sum() + matrix["due_24h"].sum() > 0
    assert set(both.rows["due_status"]) == {"overdue", "due_24h"}
    every = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(due=cases.DUE_BUCKETS), as_of, rules)
    assert every.total == matrix.values.sum()


def test_beyond_the_cadence_is_the_data_pages_count_and_not_n_days(sample_engine, rules, as_of):
    from data_access import quality

    counted = quality.quality_counts(sample_engine, DISTRICT, Q2, as_of, rules).count("no_contact")
    lapsed = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(contact_lapsed=True), as_of, rules,
                              page_size=500)
    listed = quality.cases_without_contact(sample_engine, DISTRICT, Q2, as_of, rules)
    assert lapsed.total == counted == len(listed) > 0
    assert set(lapsed.rows["case_no"]) == set(listed["case_no"])
    thirty = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(no_contact_days=30), as_of, rules,
                              page_size=500)
    assert set(thirty.rows["case_no"]) != set(lapsed.rows["case_no"])


def test_matrix_respects_the_other_filters(sample_engine, rules, as_of):
    only_abuse = CaseFilters(crisis_types=("abuse",), risks=("low",), due=("overdue",))
    matrix = cases.needs_action_matrix(sample_engine, DISTRICT, Q2, only_abuse, as_of, rules)
    assert matrix.values.sum() == count(sample_engine, f"SELECT COUNT(*) FROM cases WHERE {OPEN} AND crisis_type='abuse'",
                                        t=as_of)


def test_pages_cover_the_queue_once_in_priority_order(sample_engine, rules, as_of):
    pages = [cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules, page=n, page_size=30)
             for n in (1, 2, 3, 4)]
    numbers = [n for page in pages for n in page.rows["case_no"]]
    assert len(numbers) == len(set(numbers)) == pages[0].total
    status = [s for page in pages for s in page.rows["due_status"]]
    assert status == sorted(status, key=lambda s: s != "overdue")
    rank = {r.level: i for i, r in enumerate(rules.risks)}
    rest = [(rank[r], d) for page in pages for r, d, s in zip(page.rows["risk_level"], page.rows["due_at"],
                                                               page.rows["due_status"]) if s != "overdue"]
    assert rest == sorted(rest)


def test_street_scope_never_returns_another_street(sample_engine, rules, as_of):
    scope = Scope.street("fubao")
    queue = cases.case_queue(sample_engine, scope, Q2, CaseFilters(), as_of, rules, page_size=1000)
    assert set(queue.rows["street_id"]) == {"fubao"}
    widened = cases.case_queue(sample_engine, scope, Filters(Q2.period, street_id="futian"), CaseFilters(), as_of, rules)
    assert widened.total == 0
    other = count(sample_engine, "SELECT COUNT(*) FROM cases WHERE street_id = 'futian'")
    assert other > 0
    with sample_engine.connect() as conn:
        futian_case = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'futian' LIMIT 1")).scalar_one()
    assert cases.case_detail(sample_engine, scope, futian_case, as_of, rules) is None
    assert cases.case_detail(sample_engine, DISTRICT, futian_case, as_of, rules) is not None
    assert cases.workload_by_staff(sample_engine, scope, Q2, as_of, rules)["street_en"].unique().tolist() == ["Fubao"]


def test_case_detail(sample_engine, rules, as_of):
    queue = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules, page_size=1)
    number = queue.rows.loc[0, "case_no"]
    masked = cases.case_detail(sample_engine, DISTRICT, number, as_of, rules)
    refused = cases.case_detail(sample_engine, DISTRICT, number, as_of, rules, reveal=True)
    named = cases.case_detail(sample_engine, Scope.district(show_names=True), number, as_of, rules, reveal=True)
    for field in ("child_name", "id_number", "guardian_phone", "address"):
        assert "*" in masked.child[field] and "*" in refused.child[field], field
        assert "*" not in named.child[field], field
    assert masked.child["child_name"][0] == named.child["child_name"][0]
    assert masked.child["id_number"][-4:] == named.child["id_number"][-4:]
    assert not masked.child["revealed"] and named.child["revealed"]
    assert masked.due_status == queue.rows.loc[0, "due_status"]
    assert masked.due_at == queue.rows.loc[0, "due_at"]
    assert list(masked.events["occurred_at"]) == sorted(masked.events["occurred_at"])
    assert masked.events.iloc[0]["kind"] == "reported"
    assert "id_number" not in masked.case
    assert cases.case_detail(sample_engine, DISTRICT, "FT-1999-00001", as_of, rules) is None


def test_workload_matches_direct_sql(sample_engine, rules, as_of):
    workload = cases.workload_by_staff(sample_engine, DISTRICT, Q2, as_of, rules)
    held = dict(zip(workload["staff_id"], workload["open_cases"]))
    with sample_engine.connect() as conn:
        direct = dict(conn.execute(text(f"SELECT assigned_staff_id, COUNT(*) FROM cases WHERE {OPEN} "
                                        "GROUP BY assigned_staff_id"), {"t": as_of}).all())
    assert {k: v for k, v in held.items() if v} == direct
    overdue_total = cases.needs_action_matrix(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)["overdue"].sum()
    assert workload["overdue_cases"].sum() == overdue_total


@pytest.mark.parametrize("n, band", [(0, "lt_10"), (9, "lt_10"), (10, "10_19"), (19, "10_19"), (20, "20_29"),
                                     (29, "20_29"), (30, "30_plus"), (120, "30_plus")])
def test_caseload_bands(n, band):
    assert cases.caseload_band(n) == band


def test_the_page_indicators_read_together_equal_each_read_alone(sample_engine, rules, as_of):
    only_high = CaseFilters(risks=("high",))
    earlier = [(Period.parse("2022Q1"), datetime(2022, 3, 31, 18)), (Period.parse("2021Q2"), datetime(2021, 6, 30, 18))]
    found = cases.indicators(sample_engine, DISTRICT, Q2, only_high, as_of, rules, earlier)
    alone = [cases.response_within_limits(sample_engine, DISTRICT, Filters(period=period), only_high, moment, rules)
             for period, moment in earlier]
    assert found.earlier == alone and alone[0] != alone[1]  # each earlier span its own, in order
    assert found.response == cases.response_within_limits(sample_engine, DISTRICT, Q2, only_high, as_of, rules)
    assert found.bands == cases.response_bands(sample_engine, DISTRICT, Q2, only_high, as_of, rules)
    assert found.closing == cases.close_times(sample_engine, DISTRICT, Q2, only_high, as_of, rules)
    assert found.matrix.equals(cases.needs_action_matrix(sample_engine, DISTRICT, Q2, only_high, as_of, rules))
    assert found.funnel.equals(cases.stage_funnel(sample_engine, DISTRICT, Q2, only_high, as_of, rules))


def test_indicators_cover_the_cases_reported_in_the_period(sample_engine, rules, as_of):
    reported = count(sample_engine, "SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at < :b",
                     a=datetime(2022, 4, 1), b=datetime(2022, 7, 1))
    bands = cases.response_bands(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    assert sum(bands.values()) == reported
    fast = count(sample_engine, "SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at < :b "
                 "AND first_response_at IS NOT NULL AND first_response_at <= :h", a=datetime(2022, 4, 1),
                 b=datetime(2022, 7, 1), h=datetime(2100, 1, 1))
    assert reported - bands["awaiting"] == fast
    funnel = cases.stage_funnel(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    assert funnel["cases"].sum() == reported
    closing = cases.close_times(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules)
    assert closing.closed == sum(closing.bands.values()) == count(
        sample_engine, "SELECT COUNT(*) FROM cases WHERE closed_at >= :a AND closed_at < :b",
        a=datetime(2022, 4, 1), b=datetime(2022, 7, 1))
    assert closing.mean_days and 20 < closing.mean_days < 400
