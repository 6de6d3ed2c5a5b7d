"""A sample built as of a recent day has a few offsetting payment errors in every quarter, not only in 2022 Q2,
and reconciles only the months that are over."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard.gaps import months_due_end
from data_access.subsidies import reconciliation, reconciliation_summary
from data_access.types import Filters, Period, Scope
from sample_data import build_database
from tests.harness import BACKENDS, engine_for

AS_OF = datetime(2026, 12, 4, 18)
DISTRICT = Scope.district()
PUBLISHED = {date(2022, 4, 1), date(2022, 5, 1), date(2022, 6, 1)}


@pytest.fixture(scope="module", params=BACKENDS)
def recent_engine(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_recent")
    build_database(engine, as_of=AS_OF)
    yield engine
    engine.dispose()


def quarters() -> list[Period]:
    out, period = [], Period("quarter", 2021, 1)
    while period.end <= date(2026, 10, 1):
        out.append(period)
        period = Period("quarter", period.year + period.number // 4, period.number % 4 + 1)
    return out


def test_every_quarter_has_a_few_errors_of_its_own(recent_engine):
    for period in quarters():
        found = {kind: len(rows) for kind, rows in reconciliation(recent_engine, DISTRICT, Filters(period=period)).items()}
        if period.code == "2022Q2":
            assert found == {"unpaid": 1, "wrong_amount": 2, "ineligible": 4, "duplicate": 1, "no_standard": 0}
        else:
            assert found == {"unpaid": 1, "wrong_amount": 2, "ineligible": 0, "duplicate": 1, "no_standard": 0}, period


def test_the_errors_offset_each_other_month_by_month(recent_engine):
    summary = reconciliation_summary(recent_engine, DISTRICT, Filters(period=Period("year", 2021)),
                                     date(2021, 1, 1), date(2026, 12, 1))
    assert len(summary) == 71
    checked = 0
    for row in summary.itertuples():
        if pd.Timestamp(row.month).date() in PUBLISHED:
            continue
        assert row.payments == row.eligible and float(row.amount) == pytest.approx(float(row.due)), row.month
        checked += 1
    assert checked == 68


def test_the_published_quarter_is_unchanged(recent_engine):
    summary = reconciliation_summary(recent_engine, DISTRICT, Filters(period=Period.parse("2022Q2")))
    assert int(summary["payments"].sum()) == 556 and float(summary["amount"].sum()) == pytest.approx(641800.0)


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 12, 4, 18), date(2026, 12, 1)),
    (datetime(2026, 11, 30, 18), date(2026, 12, 1)),  # the month's last day: it is over
    (datetime(2026, 12, 1, 0), date(2026, 12, 1)),
    (datetime(2024, 2, 29, 9), date(2024, 3, 1)),
    (datetime(2024, 2, 28, 18), date(2024, 2, 1)),
])
def test_only_months_that_are_over_are_reconciled(moment, expected):
    assert months_due_end(moment) == expected
