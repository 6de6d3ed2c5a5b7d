"""First response measured against each risk level's limit, against a recount from the raw case rows
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import text

from data_access import overview
from data_access.cases import CaseFilters, response_within_limits
from data_access.types import Filters, Period, Scope

DISTRICT = Scope.district()


@pytest.fixture(scope="module")
def raw(sample_engine) -> pd.DataFrame:
    with sample_engine.connect() as conn:
        cases = pd.DataFrame(conn.execute(text(
            "SELECT risk_level, reported_at, first_response_at, closed_at, stage FROM cases")).mappings().all())
    for column in ("reported_at", "first_response_at", "closed_at"):
        cases[column] = pd.to_datetime(cases[column])
    return cases


def recount(raw: pd.DataFrame, rules, start: datetime, end: datetime, moment: datetime) -> dict:
    cases = raw[(raw["reported_at"] >= start) & (raw["reported_at"] < end) & (raw["reported_at"] <= moment)]
    out = {}
    for rule in rules.risks:
        level = cases[cases["risk_level"] == rule.level]
        answered = level["first_response_at"].notna() & (level["first_response_at"] <= moment)
        took = level["first_response_at"] - level["reported_at"]
        within = answered & (took <= rule.first_response)
        due = answered | (level["reported_at"] + rule.first_response <= moment)
        hours = took[answered].dt.total_seconds() / 3600
        out[rule.level] = (len(level), int(due.sum()), int(within.sum()), hours.median() if len(hours) else None)
    return out


@pytest.mark.parametrize("code, moment", [
    ("2022Q2", datetime(2022, 6, 30, 18)),
    ("2022Q2", datetime(2022, 5, 20, 18)),
    ("2022-06", datetime(2022, 6, 1, 3)),
    ("2022", datetime(2022, 6, 30, 18)),
])
def test_within_limit_per_level_matches_the_raw_rows(sample_engine, raw, rules, code, moment):
    period = Period.parse(code)
    found = response_within_limits(sample_engine, DISTRICT, Filters(period=period), CaseFilters(), moment, rules)
    expected = recount(raw, rules, datetime.combine(period.start, datetime.min.time()),
                       datetime.combine(period.end, datetime.min.time()), moment)
    for level, (reported, due, within, median) in expected.items():
        got = found.by_level[level]
        assert (got.reported, got.due, got.within) == (reported, due, within), level
        assert got.median_hours == (pytest.approx(median, abs=1e-3) if median is not None else None), level
    assert found.due == sum(e[1] for e in expected.values())
    reported = raw[(raw["reported_at"] >= datetime.combine(period.start, datetime.min.time()))
                   & (raw["reported_at"] < datetime.combine(period.end, datetime.min.time()))
                   & (raw["first_response_at"] <= moment)]
    hours = (reported["first_response_at"] - reported["reported_at"]).dt.total_seconds() / 3600
    # Every level together; none answered yet in the first hours of a month.
    assert found.median_hours == (pytest.approx(hours.median(), abs=1e-3) if len(hours) else None)
    within = sum(e[2] for e in expected.values())
    assert found.share == (pytest.approx(within / found.due) if found.due else None)


def test_the_key_figures_carry_the_split_and_some_cases_are_late(sample_engine, rules, as_of):
    cases = overview.key_figures(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q2")), as_of, rules)
    response = cases.current.cases.response
    assert 0 < response.within < response.due <= cases.current.cases.reported_in_period
    assert cases.previous.cases.response.due > 0


def test_a_risk_filter_counts_only_that_level(sample_engine, rules, as_of):
    found = response_within_limits(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q2")),
                                   CaseFilters(risks=("critical",)), as_of, rules)
    assert found.by_level["high"].reported == 0 and found.by_level["high"].median_hours is None
    assert found.by_level["critical"].reported > 0
