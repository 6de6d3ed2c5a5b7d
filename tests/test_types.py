from datetime import date, datetime

import pytest

from data_access.types import Filters, Period, Scope, Span, add_months, months_between, periods_between


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2022", date(2022, 1, 1), date(2023, 1, 1)),
        ("2022Q2", date(2022, 4, 1), date(2022, 7, 1)),
        ("2022q4", date(2022, 10, 1), date(2023, 1, 1)),
        ("2022-04", date(2022, 4, 1), date(2022, 5, 1)),
        ("2022-12", date(2022, 12, 1), date(2023, 1, 1)),
    ],
)
def test_period_parse(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)
    assert Period.parse(period.code) == period


@pytest.mark.parametrize("text", ["", "22", "2022Q5", "2022Q0", "2022-13", "2022-4", "2022/04", "Q2", "1800", "2022Q2;drop"])
def test_period_parse_rejects_garbage(text):
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(text)


def test_previous_and_year_before():
    assert Period.parse("2022Q1").previous() == Period.parse("2021Q4")
    assert Period.parse("2022-01").previous() == Period.parse("2021-12")
    assert Period.parse("2022").previous() == Period.parse("2021")
    assert Period.parse("2022Q2").year_before() == Period.parse("2021Q2")


def test_months_and_containing():
    assert Period.parse("2022Q2").months() == [date(2022, 4, 1), date(2022, 5, 1), date(2022, 6, 1)]
    assert Period.containing(date(2022, 6, 30)).code == "2022Q2"
    assert Period.containing(date(2022, 6, 30), "month").code == "2022-06"
    assert add_months(date(2022, 11, 1), 3) == date(2023, 2, 1)
    assert add_months(date(2022, 1, 1), -1) == date(2021, 12, 1)


@pytest.mark.parametrize("code, moment, day", [
    ("2022Q2", datetime(2022, 4, 1, 0, 0), date(2022, 4, 1)),  # the first day of a running period
    ("2022Q2", datetime(2022, 5, 17, 9, 30), date(2022, 5, 17)),  # a running period: the as-of day
    ("2022Q2", datetime(2022, 6, 30, 23, 59), date(2022, 6, 30)),  # its last day
    ("2022Q2", datetime(2022, 7, 1, 0, 0), date(2022, 6, 30)),  # over: its last day
    ("2022Q2", datetime(2026, 1, 1), date(2022, 6, 30)),
    ("2024-02", datetime(2024, 3, 5), date(2024, 2, 29)),  # a leap year's February
    ("2023-02", datetime(2023, 3, 5), date(2023, 2, 28)),
    ("2022", datetime(2022, 12, 31, 18), date(2022, 12, 31)),
    ("2022", datetime(2023, 1, 1), date(2022, 12, 31)),
])
def test_register_day_is_the_last_day_or_the_as_of_day_while_the_period_runs(code, moment, day):
    period = Period.parse(code)
    assert period.register_day(moment) == day


@pytest.mark.parametrize("day, first, end", [
    (date(2022, 6, 1), date(2021, 7, 1), date(2022, 7, 1)),  # the first day of a month
    (date(2022, 6, 30), date(2021, 7, 1), date(2022, 7, 1)),  # its last day
    (date(2022, 12, 31), date(2022, 1, 1), date(2023, 1, 1)),  # a calendar year exactly
    (date(2024, 2, 29), date(2023, 3, 1), date(2024, 3, 1)),  # a leap day
    (date(2023, 1, 15), date(2022, 2, 1), date(2023, 2, 1)),
])
def test_twelve_months_to_ends_with_the_days_month(day, first, end):
    assert Period.twelve_months_to(day) == (first, end)
    assert len(months_between(first, end)) == 12


def test_a_span_a_year_before_matches_the_same_moment():
    running = Span.of(Period.parse("2024Q1"), datetime(2024, 2, 29, 18))
    assert running.year_before() == running.matching(Period.parse("2023Q1"))
    assert running.year_before().until == datetime(2023, 2, 28, 18)
    over = Span.of(Period.parse("2023Q1"), datetime(2024, 2, 29, 18))
    assert over.year_before() == Span(Period.parse("2022Q1"), datetime(2022, 4, 1), tuple(Period.parse("2022Q1").months()))


def test_months_between_starts_at_the_first_month_and_stops_before_the_end():
    assert months_between(date(2022, 11, 15), date(2023, 2, 1)) == [date(2022, 11, 1), date(2022, 12, 1), date(2023, 1, 1)]
    assert months_between(date(2022, 11, 15), date(2022, 12, 2)) == [date(2022, 11, 1), date(2022, 12, 1)]
    assert months_between(date(2022, 11, 1), date(2022, 11, 1)) == []


def test_periods_between():
    codes = [p.code for p in periods_between(date(2021, 1, 1), date(2022, 6, 30))]
    assert codes[:2] == ["2022", "2021"]
    assert "2022Q2" in codes and "2022Q3" not in codes and "2021Q1" in codes
    assert codes[-1] == "2021-01" and "2022-06" in codes and "2022-07" not in codes
    assert len(codes) == 2 + 6 + 18


def test_scope_and_filters_are_hashable_values():
    assert Scope.street("fubao") == Scope(streets=frozenset({"fubao"}), show_names=True)
    assert hash(Filters()) == hash(Filters(period=Period.parse("2022Q2")))
    assert Scope.district().allows_street("fubao") and not Scope.street("futian").allows_street("fubao")
