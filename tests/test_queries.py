"""Query functions against direct SQL, on SQLite and PostgreSQL; scope narrows, never widens."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from data_access import cases, dataset, overview, reference, subsidies
from data_access.cases import CaseFilters
from data_access.engine import make_engine
from data_access.types import Filters, Period, Scope, Span

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def scalar(engine, sql: str, **params):
    return rows(engine, sql, **params)[0][0]


def test_network_figures_match_direct_counts(sample_engine, as_of):
    net = overview.network_figures(sample_engine, DISTRICT, Q2, as_of)
    assert (net.streets, net.street_stations, net.streets_with_station) == (10, 10, 10)
    assert (net.supervisors, net.directors, net.communities, net.communities_with_director) == (10, 92, 92, 92)
    assert net.organisations == {"psych_counselling": 8, "youth_social_group": 9, "youth_service_other": 10}
    assert net.organisations_total == 27
    assert (net.rescue_rooms, net.planned_beds) == (2, 30)


def test_network_figures_for_one_street(sample_engine, as_of):
    net = overview.network_figures(sample_engine, Scope.street("huaqiangbei"), Q2, as_of)
    assert (net.streets, net.street_stations, net.supervisors) == (1, 1, 1)
    assert net.communities == net.directors == 5


def test_stations_opened_later_are_not_counted(sample_engine):
    early = overview.network_figures(sample_engine, DISTRICT, Q2, datetime(2020, 1, 1))
    assert early.street_stations == 0 and early.streets_with_station == 0


def test_children_by_category_matches_direct_sql(sample_engine):
    day = date(2022, 6, 30)
    found = overview.children_by_category(sample_engine, DISTRICT, Q2, day)
    expected = dict(rows(
        sample_engine,
        "SELECT category, COUNT(*) FROM children WHERE category IS NOT NULL AND registered_on <= :d "
        "AND (exited_on IS NULL OR exited_on > :d) GROUP BY category", d=day,
    ))
    assert found == expected
    # 36 are paid in June; one of them left the register in May (a planted payment error).
    assert found["orphan"] + found["de_facto_unsupported"] == 35
    assert found["other_difficulty"] == 150


def test_case_figures_match_direct_sql(sample_engine, rules, as_of):
    figures = overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules)
    open_rows = dict(rows(
        sample_engine,
        "SELECT risk_level, COUNT(*) FROM cases WHERE reported_at <= :t AND (closed_at IS NULL OR closed_at > :t) "
        "GROUP BY risk_level", t=as_of,
    ))
    assert figures.open_by_risk == {level: open_rows.get(level, 0) for level in ("critical", "high", "medium", "low")}
    reported = scalar(sample_engine, "SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at < :b",
                      a=datetime(2022, 4, 1), b=datetime(2022, 7, 1))
    assert figures.reported_in_period == reported


def test_overdue_follows_the_rules_table(sample_engine, rules, as_of):
    """Recount overdue cases in Python from the raw rows and the rules."""
    expected = 0
    for risk, reported, responded, contact, closed in rows(
        sample_engine, "SELECT risk_level, reported_at, first_response_at, last_contact_at, closed_at FROM cases"
    ):
        reported, responded, contact, closed = (_dt(v) for v in (reported, responded, contact, closed))
        if reported > as_of or (closed and closed <= as_of):
            continue
        rule = rules.risk(risk)
        if responded is None or responded > as_of:
            expected += reported < as_of - rule.first_response
        else:
            expected += (contact or responded) < as_of - rule.follow_up
    assert overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules).overdue == expected
    assert expected > 0


def _dt(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def test_subsidy_figures_for_2022_q2(sample_engine):
    figures = overview.subsidy_figures(sample_engine, DISTRICT, Q2)
    assert (figures.person_times, figures.amount) == (556, Decimal("641800.00"))
    assert figures.children == scalar(
        sample_engine, "SELECT COUNT(DISTINCT child_id) FROM subsidy_payments WHERE month >= :a AND month < :b",
        a=date(2022, 4, 1), b=date(2022, 7, 1),
    )


def test_payments_by_month_add_up_to_the_quarter(sample_engine):
    frame = subsidies.payments_by_month(sample_engine, DISTRICT, Q2)
    assert sorted(frame["month"].dt.month.unique()) == [4, 5, 6]
    assert frame["person_times"].sum() == 556
    assert round(frame["amount"].sum(), 2) == 641800.00


def test_street_filter_sums_to_the_district(sample_engine):
    streets = reference.list_streets(sample_engine, DISTRICT)["id"]
    parts = [overview.subsidy_figures(sample_engine, DISTRICT, Filters(Q2.period, street_id=s)) for s in streets]
    assert sum(p.person_times for p in parts) == 556
    assert sum(p.amount for p in parts) == Decimal("641800.00")


def test_a_filter_cannot_widen_the_scope(sample_engine, rules, as_of):
    own = Scope.street("fubao")
    other = Filters(Q2.period, street_id="futian")
    assert overview.subsidy_figures(sample_engine, own, other).person_times == 0
    assert overview.case_figures(sample_engine, own, other, Span.of(other.period, as_of), as_of, rules).open_total == 0
    assert cases.case_queue(sample_engine, own, other, CaseFilters(), as_of, rules, page_size=50).rows.empty
    assert overview.network_figures(sample_engine, own, other, as_of).street_stations == 0
    assert reference.list_communities(sample_engine, own, other).empty


def test_street_scope_sees_only_its_street(sample_engine, rules, as_of):
    queue = cases.case_queue(sample_engine, Scope.street("fubao"), Q2, CaseFilters(), as_of, rules, page_size=1000).rows
    assert not queue.empty and set(queue["street_id"]) == {"fubao"}
    communities = reference.list_communities(sample_engine, Scope.street("fubao"))
    assert set(communities["street_id"]) == {"fubao"} and len(communities) == 5
    stations = reference.list_stations(sample_engine, Scope.street("fubao"))
    assert set(stations["street_id"].dropna()) == {"fubao"}


def test_community_scope_sees_only_its_community(sample_engine, rules, as_of):
    scope = Scope(streets=frozenset({"futian"}), communities=frozenset({"futian-01"}))
    queue = cases.case_queue(sample_engine, scope, Q2, CaseFilters(), as_of, rules, page_size=1000).rows
    expected = scalar(
        sample_engine,
        "SELECT COUNT(*) FROM cases WHERE community_id = 'futian-01' AND reported_at <= :t "
        "AND (closed_at IS NULL OR closed_at > :t)", t=as_of,
    )
    assert len(queue) == expected
    assert overview.network_figures(sample_engine, scope, Q2, as_of).communities == 1


def test_open_cases_put_overdue_first_then_risk(sample_engine, rules, as_of):
    queue = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(), as_of, rules, page_size=1000).rows
    assert len(queue) == overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules).open_total
    overdue_flags = list(queue["overdue"])
    assert overdue_flags == sorted(overdue_flags, reverse=True)
    rank = {r.level: i for i, r in enumerate(rules.risks)}
    on_time = queue[~queue["overdue"]]
    assert list(on_time["risk_level"].map(rank)) == sorted(on_time["risk_level"].map(rank))


def test_as_of_is_respected(sample_engine, rules):
    earlier = datetime(2021, 6, 30, 18)
    queue = cases.case_queue(sample_engine, DISTRICT, Q2, CaseFilters(), earlier, rules, page_size=5000).rows
    assert (queue["reported_at"] <= earlier).all()


def test_reference_lists(sample_engine, as_of):
    assert list(reference.list_streets(sample_engine, DISTRICT)["id"])[:3] == ["yuanling", "nanyuan", "futian"]
    staff = reference.list_staff(sample_engine, DISTRICT, Q2, as_of)
    assert (staff["role"] == "director").sum() == 92
    orgs = reference.list_social_orgs(sample_engine, DISTRICT, Q2, as_of)
    assert len(orgs) == 27


def test_grants_and_standards(sample_engine):
    grants = subsidies.grants_in(sample_engine, DISTRICT, Period.parse("2022-03"))
    assert list(grants["kind"]) == ["donation"] and grants["amount"].sum() == 46000
    standards = subsidies.standards(sample_engine)
    assert 2454.0 in set(standards["monthly_amount"])


def test_dataset_info_and_health(sample_engine):
    info = dataset.read_dataset_info(sample_engine)
    assert info.synthetic and info.data_as_of == datetime(2022, 6, 30, 18) and info.first_month == date(2021, 1, 1)
    assert dataset.health_check(sample_engine).ok
    counts = dataset.table_counts(sample_engine)
    assert counts["streets"] == 10 and counts["communities"] == 92


def test_health_check_names_an_unreachable_server():
    health = dataset.health_check(make_engine("postgresql://nobody:secret@127.0.0.1:1/none"))
    assert not health.ok and health.problem == "unreachable"
    assert "secret" not in health.detail


def test_health_check_reports_missing_tables(tmp_path):
    health = dataset.health_check(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert not health.ok and health.problem == "schema" and "cases" in health.detail


def test_dataset_info_without_recorded_facts_uses_the_newest_event(tmp_path, as_of):
    from sample_data import build_database

    engine = make_engine(f"sqlite:///{tmp_path / 'prod.db'}")
    build_database(engine, as_of=datetime(2021, 4, 30, 18))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM dataset_info"))
    info = dataset.read_dataset_info(engine)
    assert not info.synthetic
    assert datetime(2021, 4, 30, 18) - timedelta(days=2) < info.data_as_of <= datetime(2021, 4, 30, 18)


def test_a_community_scope_sees_its_own_payments(sample_engine):
    with sample_engine.connect() as conn:
        community, expected = conn.execute(text(
            "SELECT c.community_id, COUNT(*) FROM subsidy_payments p JOIN children c ON c.id = p.child_id "
            "WHERE p.month >= :a AND p.month < :b GROUP BY c.community_id ORDER BY COUNT(*) DESC LIMIT 1"),
            {"a": date(2022, 4, 1), "b": date(2022, 7, 1)}).one()
    street = community.rsplit("-", 1)[0]
    scope = Scope(streets=frozenset({street}), communities=frozenset({community}), show_names=True)
    assert overview.subsidy_figures(sample_engine, scope, Q2).person_times == expected
    assert subsidies.payments_by_month(sample_engine, scope, Q2)["person_times"].sum() == expected
