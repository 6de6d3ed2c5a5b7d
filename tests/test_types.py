from datetime import date

import pytest

from data_access.types import Filters, Period, Scope, add_months, months_between, periods_between


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
