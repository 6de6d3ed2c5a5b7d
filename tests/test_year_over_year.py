"""Every comparison with the same period a year before is over the same span a year earlier: the key
figures against direct SQL (SQLite and PostgreSQL), at the boundaries of a period and across 29 February.

The leap-day rule: a span that ends on 29 February is compared with the span ending on 28 February of the
year before (the same month, the same day at most the month's last), so that year's span is one day
shorter; a span ending on 28 February 2025 is compared with 28 February 2024, not the 29th.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from data_access import overview
from data_access.types import Filters, Period, Scope, Span
from sample_data import build_database
from tests.harness import BACKENDS, engine_for

DISTRICT = Scope.district()


def one(engine, sql: str, **params) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql), params).one())


def reported(engine, start: date, until: datetime) -> int:
    return one(engine, "SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at <= :b",
               a=datetime.combine(start, datetime.min.time()), b=until)[0]


def paid(engine, start: date, end: date) -> tuple[int, float]:
    n, amount = one(engine, "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM subsidy_payments "
                            "WHERE month >= :a AND month < :b", a=start, b=end)
    return n, float(amount)


def registered(engine, day: date) -> int:
    return one(engine, "SELECT COUNT(*) FROM children WHERE category IS NOT NULL AND registered_on <= :d "
                       "AND (exited_on IS NULL OR exited_on > :d)", d=day)[0]


def check(engine, rules, code: str, as_of: datetime, until: datetime, months: list[date], register_day: date):
    """The year-before figures of ``code`` seen at ``as_of`` are those of SQL up to ``until``, over ``months``."""
    period = Period.parse(code)
    figures = overview.key_figures(engine, DISTRICT, Filters(period=period), as_of, rules)
    before = figures.year_before
    assert before.span.period == period.year_before()
    assert before.span.until == until and list(before.span.months) == months
    start = period.year_before().start
    count = reported(engine, start, until)
    assert before.cases.reported_in_period == count
    assert count > 0 or until - datetime.combine(start, datetime.min.time()) < timedelta(days=1)
    end = date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1) if months else start
    n, amount = paid(engine, start, end)
    assert (before.subsidies.person_times, float(before.subsidies.amount)) == (n, pytest.approx(amount))
    assert before.children_total == registered(engine, register_day)
    return figures


@pytest.mark.parametrize("code, as_of, until, months, register_day", [
    # a running quarter, a month into it
    ("2022Q2", datetime(2022, 5, 15, 18), datetime(2021, 5, 15, 18), [date(2021, 4, 1)], date(2021, 5, 15)),
    # its first day: nothing of a month is complete, reports up to the same hour a year before
    ("2022Q2", datetime(2022, 4, 1, 18), datetime(2021, 4, 1, 18), [], date(2021, 4, 1)),
    # a month's last day but one
    ("2022Q2", datetime(2022, 5, 30, 18), datetime(2021, 5, 30, 18), [date(2021, 4, 1)], date(2021, 5, 30)),
    # a running month
    ("2022-06", datetime(2022, 6, 14, 18), datetime(2021, 6, 14, 18), [], date(2021, 6, 14)),
    ("2022-05", datetime(2022, 5, 1, 9), datetime(2021, 5, 1, 9), [], date(2021, 5, 1)),
    # the quarter's last day: it is over, so the whole of the same quarter a year before
    ("2022Q2", datetime(2022, 6, 30, 18), datetime(2021, 7, 1), [date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1)],
     date(2021, 6, 30)),
])
def test_the_same_span_a_year_before(sample_engine, rules, code, as_of, until, months, register_day):
    figures = check(sample_engine, rules, code, as_of, until, months, register_day)
    assert figures.year_before.span.like_for_like == figures.current.span.running


def test_a_running_year_is_compared_with_the_same_days_of_the_year_before(sample_engine, rules):
    as_of = datetime(2022, 3, 10, 9)
    # for a year, the period before is the year before: its flows over the same days, its register at its end
    figures = check(sample_engine, rules, "2022", as_of, datetime(2021, 3, 10, 9), [date(2021, 1, 1), date(2021, 2, 1)],
                    date(2021, 12, 31))
    assert figures.year_before is figures.previous


@pytest.fixture(scope="module", params=BACKENDS)
def leap_engine(request, tmp_path_factory):
    """A sample as of 29 February 2024, a leap day."""
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_leap")
    build_database(engine, as_of=datetime(2024, 2, 29, 18))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("code, until, months, register_day", [
    # February 2024 is complete on its 29th: payments compare January and February of both years
    ("2024Q1", datetime(2023, 2, 28, 18), [date(2023, 1, 1), date(2023, 2, 1)], date(2023, 2, 28)),
    ("2024", datetime(2023, 2, 28, 18), [date(2023, 1, 1), date(2023, 2, 1)], date(2023, 12, 31)),
    # 29 February is February's last day: the month is over and compared whole with February 2023
    ("2024-02", datetime(2023, 3, 1), [date(2023, 2, 1)], date(2023, 2, 28)),
])
def test_a_span_to_29_february_is_compared_with_28_february(leap_engine, rules, code, until, months, register_day):
    check(leap_engine, rules, code, datetime(2024, 2, 29, 18), until, months, register_day)


def test_the_leap_day_rule_of_the_span():
    span = Span.of(Period.parse("2024Q1"), datetime(2024, 2, 29, 18))
    assert span.year_before().until == datetime(2023, 2, 28, 18)
    span = Span.of(Period.parse("2025Q1"), datetime(2025, 2, 28, 18))
    assert span.year_before().until == datetime(2024, 2, 28, 18)
    span = Span.of(Period.parse("2025Q1"), datetime(2025, 3, 1, 8))
    assert span.year_before().until == datetime(2024, 3, 1, 8)


def test_the_year_before_of_a_finished_period_is_all_of_it():
    span = Span.of(Period.parse("2023Q4"), datetime(2024, 2, 29, 18))
    earlier = span.year_before()
    assert earlier.period == Period.parse("2022Q4") and earlier.until == datetime(2023, 1, 1)
    assert len(earlier.months) == 3 and not earlier.like_for_like


def test_the_same_period_last_year_is_compared_except_for_a_year_and_before_the_data(monkeypatch):
    from dashboard import data

    as_of = datetime(2025, 5, 10, 9)
    quarter = Span.of(Period("quarter", 2025, 2), as_of)
    monkeypatch.setattr(data, "before_data", lambda period: period.start < date(2024, 1, 1))
    assert data.year_before_span(quarter) == quarter.year_before()
    assert data.comparison_spans(quarter) == [quarter.matching(Period("quarter", 2025, 1)),
                                              quarter.matching(Period("quarter", 2024, 2))]
    year = Span.of(Period("year", 2025), as_of)
    assert data.year_before_span(year) is None
    assert data.comparison_spans(year) == [year.matching(Period("year", 2024))]
    monkeypatch.setattr(data, "before_data", lambda period: period.start < date(2025, 1, 1))
    assert data.year_before_span(quarter) is None
    assert data.comparison_spans(quarter) == [quarter.matching(Period("quarter", 2025, 1))]
