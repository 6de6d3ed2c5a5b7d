"""The overview's figures against direct SQL (or plain pandas over the raw rows), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import text

from data_access import overview
from data_access.cases import next_deadline
from data_access.types import Filters, Period, Scope, Span

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()


def frame(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql), params).mappings().all())


@pytest.fixture(scope="module")
def raw_cases(sample_engine) -> pd.DataFrame:
    cases = frame(sample_engine, "SELECT street_id, risk_level, reported_at, first_response_at, last_contact_at, "
                                 "closed_at FROM cases")
    for column in ("reported_at", "first_response_at", "last_contact_at", "closed_at"):
        cases[column] = pd.to_datetime(cases[column])
    return cases


def open_at(cases: pd.DataFrame, moment: datetime) -> pd.DataFrame:
    return cases[(cases["reported_at"] <= moment) & (cases["closed_at"].isna() | (cases["closed_at"] > moment))]


def test_case_figures_match_the_raw_rows(sample_engine, raw_cases, as_of, rules):
    figures = overview.key_figures(sample_engine, DISTRICT, Q2, as_of, rules).current.cases
    now = open_at(raw_cases, as_of)
    assert figures.open_by_risk == {r.level: int((now["risk_level"] == r.level).sum()) for r in rules.risks}
    late = sum(next_deadline(row, rules, as_of)[1] < as_of for _, row in now.iterrows())
    assert figures.overdue == late > 0
    reported = raw_cases[(raw_cases["reported_at"] >= datetime(2022, 4, 1)) & (raw_cases["reported_at"] <= as_of)]
    assert figures.reported_in_period == len(reported)
    answered = reported[reported["first_response_at"] <= as_of]
    hours = (answered["first_response_at"] - answered["reported_at"]).dt.total_seconds() / 3600
    assert figures.median_response_hours == pytest.approx(hours.median(), abs=1e-3)


def test_previous_period_is_read_at_its_end(sample_engine, raw_cases, as_of, rules):
    previous = overview.key_figures(sample_engine, DISTRICT, Q2, as_of, rules).previous
    moment = datetime(2022, 4, 1)
    assert previous.moment == moment
    before = open_at(raw_cases, moment)
    assert previous.cases.open_total == len(before)
    reported = raw_cases[(raw_cases["reported_at"] >= datetime(2022, 1, 1)) & (raw_cases["reported_at"] < moment)]
    assert previous.cases.reported_in_period == len(reported)
    paid = frame(sample_engine, "SELECT COUNT(*) AS n, SUM(amount) AS amount FROM subsidy_payments "
                                "WHERE month >= :a AND month < :b", a=date(2022, 1, 1), b=date(2022, 4, 1))
    assert previous.subsidies.person_times == paid["n"][0]
    assert float(previous.subsidies.amount) == pytest.approx(float(paid["amount"][0]))
    register = frame(sample_engine, "SELECT COUNT(*) AS n FROM children WHERE category IS NOT NULL AND "
                                    "registered_on <= :d AND (exited_on IS NULL OR exited_on > :d)", d=date(2022, 3, 31))
    assert previous.children_total == register["n"][0]


def test_the_published_quarter_is_in_the_key_figures(sample_engine, as_of, rules):
    paid = overview.key_figures(sample_engine, DISTRICT, Q2, as_of, rules).current.subsidies
    assert (paid.person_times, str(paid.amount)) == (556, "641800.00")


def test_training_completion_matches_the_staff_rows(sample_engine, as_of):
    day = as_of.date()
    staff = frame(sample_engine, "SELECT id, role, started_on, ended_on FROM staff")
    for column in ("started_on", "ended_on"):
        staff[column] = pd.to_datetime(staff[column])
    end = pd.Timestamp(day)
    in_post = staff[(staff["started_on"] <= end) & (staff["ended_on"].isna() | (staff["ended_on"] > end))]
    attended = frame(sample_engine, "SELECT DISTINCT a.staff_id FROM training_attendance a JOIN training_sessions s "
                                    "ON s.id = a.session_id WHERE s.held_on >= :a AND s.held_on <= :b",
                     a=date(day.year, 1, 1), b=day)
    trained = in_post[in_post["id"].isin(attended["staff_id"])]
    found = overview.training_figures(sample_engine, DISTRICT, Q2, day)
    assert found.in_post == {role: int((in_post["role"] == role).sum()) for role in found.in_post}
    assert found.trained == {role: int((trained["role"] == role).sum()) for role in found.trained}
    assert found.in_post["supervisor"] == 10 and found.in_post["director"] == 92
    assert 0 < found.rate < 1


def test_training_before_anyone_was_trained_is_zero_not_an_error(sample_engine):
    found = overview.training_figures(sample_engine, DISTRICT, Q2, date(2022, 1, 11))
    assert found.trained_total == 0 and found.rate == 0


def test_street_pressure_matches_the_raw_rows_and_is_ranked(sample_engine, raw_cases, as_of, rules):
    ranked = overview.street_pressure(sample_engine, DISTRICT, Q2, as_of, rules)
    now = open_at(raw_cases, as_of)
    late = now[[next_deadline(row, rules, as_of)[1] < as_of for _, row in now.iterrows()]]
    for row in ranked.itertuples():
        mine = now[now["street_id"] == row.street_id]
        assert row.open_cases == len(mine)
        assert row.critical_cases == int((mine["risk_level"] == "critical").sum())
        assert row.overdue_cases == int((late["street_id"] == row.street_id).sum())
    assert len(ranked) == 10
    keys = list(zip(-ranked["overdue_cases"], -ranked["critical_cases"], -ranked["open_cases"]))
    assert keys == sorted(keys)


def test_street_pressure_for_a_director_keeps_their_street(sample_engine, as_of, rules):
    community = frame(sample_engine, "SELECT id, street_id FROM communities ORDER BY id").iloc[0]
    scope = Scope(streets=frozenset({community["street_id"]}), communities=frozenset({community["id"]}))
    ranked = overview.street_pressure(sample_engine, scope, Q2, as_of, rules)
    assert list(ranked["street_id"]) == [community["street_id"]]


def test_cases_by_month_matches_the_raw_rows(sample_engine, raw_cases, as_of):
    found = overview.cases_by_month(sample_engine, DISTRICT, Q2, date(2021, 7, 1), date(2022, 7, 1), as_of)
    window = raw_cases[(raw_cases["reported_at"] >= datetime(2021, 7, 1)) & (raw_cases["reported_at"] <= as_of)]
    expected = window.groupby([window["reported_at"].dt.to_period("M").dt.start_time, "risk_level"]).size()
    assert found.set_index(["month", "risk_level"])["cases"].to_dict() == expected.to_dict()
    assert found["month"].nunique() == 12


def test_one_street_sees_only_its_own_figures(sample_engine, raw_cases, as_of, rules):
    figures = overview.key_figures(sample_engine, Scope.street("fubao"), Q2, as_of, rules).current
    mine = open_at(raw_cases[raw_cases["street_id"] == "fubao"], as_of)
    assert figures.cases.open_total == len(mine)
    ranked = overview.street_pressure(sample_engine, Scope.street("fubao"), Q2, as_of, rules)
    assert list(ranked["street_id"]) == ["fubao"]


def test_a_period_with_nothing_in_it_gives_zeros_and_no_median(sample_engine, rules):
    early = datetime(2019, 1, 1)
    figures = overview.key_figures(sample_engine, DISTRICT, Filters(Period.parse("2018Q4")), early, rules).current
    assert figures.cases.open_total == 0 and figures.cases.median_response_hours is None
    assert figures.subsidies.person_times == 0 and figures.training.trained_total == 0
    assert overview.cases_by_month(sample_engine, DISTRICT, Q2, date(2018, 1, 1), date(2019, 1, 1), early).empty
    assert overview.cases_by_month(sample_engine, DISTRICT, Q2, date(2022, 7, 1), date(2022, 7, 1), early).empty


def test_overdue_at_a_past_moment_is_replayed_from_the_events(sample_engine, raw_cases, as_of, rules):
    moment = datetime(2022, 4, 1)
    events = frame(sample_engine, "SELECT e.occurred_at, c.id AS case_id FROM case_events e JOIN cases c "
                                  "ON c.id = e.case_id WHERE e.kind IN ('first_response', 'home_visit', 'phone_contact')")
    events["occurred_at"] = pd.to_datetime(events["occurred_at"])
    cases = frame(sample_engine, "SELECT id, risk_level, reported_at, first_response_at, closed_at FROM cases")
    for column in ("reported_at", "first_response_at", "closed_at"):
        cases[column] = pd.to_datetime(cases[column])
    last = events[events["occurred_at"] <= moment].groupby("case_id")["occurred_at"].max()
    expected = 0
    for row in open_at(cases, moment).itertuples():
        rule = rules.risk(row.risk_level)
        if pd.isna(row.first_response_at) or row.first_response_at > moment:
            expected += row.reported_at + rule.first_response < moment
        else:
            contact = last.get(row.id, row.first_response_at)
            expected += contact + rule.follow_up < moment
    previous = overview.key_figures(sample_engine, DISTRICT, Q2, as_of, rules).previous
    assert previous.cases.overdue == expected > 0
    # At the as-of moment the replay and the case's own last-contact column agree.
    now = overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules)
    assert overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules, past=True).overdue == now.overdue
