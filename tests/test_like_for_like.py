"""A period still running at the as-of moment is compared with the same span of the earlier period:
the key figures against direct SQL over that span (SQLite and PostgreSQL), and the spans' boundaries."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import text

from data_access import overview
from data_access.subsidies import quarter_table
from data_access.types import Filters, Period, Scope, Span

DISTRICT = Scope.district()


def count(engine, sql: str, **params) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql), params).one())


def reported(engine, start: datetime, until: datetime) -> int:
    return count(engine, "SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at <= :b",
                 a=start, b=until)[0]


def paid(engine, start: date, end: date) -> tuple[int, float]:
    n, amount = count(engine, "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM subsidy_payments "
                              "WHERE month >= :a AND month < :b", a=start, b=end)
    return n, float(amount)


def after(months: list[date]) -> date | None:
    """The first day after the last of ``months``."""
    if not months:
        return None
    last = months[-1]
    return date(last.year + 1, 1, 1) if last.month == 12 else date(last.year, last.month + 1, 1)


CASES = [
    # (period, as-of, previous span's end, months counted now, months counted before)
    ("2022Q2", datetime(2022, 5, 15, 18), datetime(2022, 2, 15, 18), [date(2022, 4, 1)], [date(2022, 1, 1)]),
    ("2022Q2", datetime(2022, 4, 1, 18), datetime(2022, 1, 1, 18), [], []),
    ("2022Q2", datetime(2022, 5, 31, 18), datetime(2022, 2, 28, 18), [date(2022, 4, 1), date(2022, 5, 1)],
     [date(2022, 1, 1), date(2022, 2, 1)]),
    ("2022-06", datetime(2022, 6, 14, 18), datetime(2022, 5, 14, 18), [], []),
    ("2022", datetime(2022, 3, 10, 9), datetime(2021, 3, 10, 9), [date(2022, 1, 1), date(2022, 2, 1)],
     [date(2021, 1, 1), date(2021, 2, 1)]),
]


@pytest.mark.parametrize("code, as_of, before_until, months, months_before", CASES)
def test_a_running_period_is_compared_with_the_same_span(sample_engine, rules, code, as_of, before_until, months,
                                                          months_before):
    period = Period.parse(code)
    figures = overview.key_figures(sample_engine, DISTRICT, Filters(period=period), as_of, rules)
    now, before = figures.current, figures.previous
    assert now.span.running and before.span.like_for_like
    assert (now.span.until, before.span.until) == (as_of, before_until)
    assert (list(now.span.months), list(before.span.months)) == (months, months_before)
    start, previous_start = period.start, period.previous().start
    assert now.cases.reported_in_period == reported(sample_engine, datetime.combine(start, datetime.min.time()), as_of)
    assert before.cases.reported_in_period == reported(
        sample_engine, datetime.combine(previous_start, datetime.min.time()), before_until) > 0
    n, amount = paid(sample_engine, start, after(months) or start)
    assert (now.subsidies.person_times, float(now.subsidies.amount)) == (n, pytest.approx(amount))
    n, amount = paid(sample_engine, previous_start, after(months_before) or previous_start)
    assert (before.subsidies.person_times, float(before.subsidies.amount)) == (n, pytest.approx(amount))
    assert bool(months) == (n > 0)


def test_a_period_over_by_its_last_day_is_compared_whole(sample_engine, rules, as_of):
    figures = overview.key_figures(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q2")), as_of, rules)
    assert not figures.current.span.running and not figures.previous.span.like_for_like
    assert figures.previous.span.until == datetime(2022, 4, 1)
    assert figures.previous.cases.reported_in_period == reported(sample_engine, datetime(2022, 1, 1),
                                                                 datetime(2022, 3, 31, 23, 59, 59))
    assert (figures.previous.subsidies.person_times, float(figures.previous.subsidies.amount)) == \
        paid(sample_engine, date(2022, 1, 1), date(2022, 4, 1))


@pytest.mark.parametrize("code, moment, other, expected", [
    ("2024Q1", datetime(2024, 2, 29, 18), "2023Q4", datetime(2023, 11, 29, 18)),
    ("2024", datetime(2024, 2, 29, 18), "2023", datetime(2023, 2, 28, 18)),
    ("2025Q1", datetime(2025, 2, 28, 18), "2024Q1", datetime(2024, 2, 28, 18)),
    ("2026Q2", datetime(2026, 5, 31, 18), "2026Q1", datetime(2026, 2, 28, 18)),
    ("2026-03", datetime(2026, 3, 31, 8), "2026-02", datetime(2026, 2, 28, 8)),
    ("2026Q4", datetime(2026, 11, 28, 18), "2026Q3", datetime(2026, 8, 28, 18)),
    ("2026Q4", datetime(2026, 10, 1), "2025Q4", datetime(2025, 10, 1)),
])
def test_the_same_moment_of_another_period(code, moment, other, expected):
    assert Period.parse(code).same_moment(moment, Period.parse(other)) == expected


@pytest.mark.parametrize("code, moment, running, months", [
    ("2026Q4", datetime(2026, 10, 1, 0), True, []),
    ("2026Q4", datetime(2026, 11, 28, 18), True, ["2026-10"]),
    ("2026Q4", datetime(2026, 11, 30, 18), True, ["2026-10", "2026-11"]),
    ("2026Q4", datetime(2026, 12, 31, 18), False, ["2026-10", "2026-11", "2026-12"]),
    ("2024-02", datetime(2024, 2, 28, 18), True, []),
    ("2024-02", datetime(2024, 2, 29, 9), False, ["2024-02"]),
    ("2026", datetime(2027, 1, 2), False, [f"2026-{m:02d}" for m in range(1, 13)]),
    ("2026Q3", datetime(2026, 6, 30, 18), False, []),
])
def test_when_a_period_runs_and_which_months_are_complete(code, moment, running, months):
    span = Span.of(Period.parse(code), moment)
    assert span.running == running
    assert [f"{m:%Y-%m}" for m in span.months] == months


def test_a_finished_period_is_matched_whole():
    span = Span.of(Period.parse("2024Q1"), datetime(2024, 6, 30, 18))
    before = span.matching(Period.parse("2023Q4"))
    assert before.until == datetime(2024, 1, 1) and len(before.months) == 3 and not before.like_for_like


def test_the_running_quarter_in_the_quarter_table_compares_complete_months(sample_engine):
    as_of = datetime(2022, 5, 20, 18)
    table = quarter_table(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q2")), date(2021, 1, 1),
                          as_of.date(), as_of).set_index("quarter")
    assert table["to_date"].tolist() == [False] * 5 + [True]
    april, january, april_before = (paid(sample_engine, date(y, m, 1), date(y, m + 1, 1))[1]
                                    for y, m in ((2022, 4), (2022, 1), (2021, 4)))
    assert table.loc["2022Q2", "vs_previous"] == pytest.approx(round((april - january) / january, 4))
    assert table.loc["2022Q2", "vs_year_before"] == pytest.approx(round((april - april_before) / april_before, 4))
    whole = paid(sample_engine, date(2022, 1, 1), date(2022, 4, 1))[1]
    assert table.loc["2022Q1", "amount"] == pytest.approx(whole)


def test_a_quarter_with_no_complete_month_has_no_change(sample_engine):
    as_of = datetime(2022, 4, 29, 18)
    table = quarter_table(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q2")), date(2022, 1, 1),
                          as_of.date(), as_of).set_index("quarter")
    assert pd.isna(table.loc["2022Q2", "vs_previous"]) and pd.isna(table.loc["2022Q2", "vs_year_before"])
