"""The subsidy page under AppTest: calibration, bad input, and the awkward cases the data can hold."""

from __future__ import annotations

from datetime import date

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard.charts import brushed_months
from dashboard.text import plain
from data_access.engine import make_engine
from data_access.summaries import refresh_summaries
from tests.harness import open_app, serve_sample


@pytest.fixture
def run(monkeypatch):
    def make(db_url: str, **params: str) -> AppTest:
        serve_sample(monkeypatch, db_url)
        st.cache_data.clear()
        return open_app("views/subsidies.py", **params)

    yield make
    st.cache_data.clear()


@pytest.fixture
def altered(sample_copy_url):
    """A copy of the sample database to change for one test."""
    return sample_copy_url, make_engine(sample_copy_url)


def texts(at: AppTest) -> str:
    parts = [plain(e.value) for kind in ("markdown", "caption", "info", "warning", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts + [f"{m.label} {m.value}" for m in at.metric])


def test_2022_q2_shows_the_published_figures_and_every_planted_error(run, sqlite_sample_url):
    at = run(sqlite_sample_url, period="2022Q2")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["发放人次"] == "556" and metrics["发放金额（元）"] == "641,800.00"
    quarters = at.dataframe[0].value
    assert quarters.iloc[-1]["季度"] == "2022Q2" and quarters.iloc[-1]["金额（元）"] == 641800.0
    tabs = [tab.label for tab in at.tabs]
    assert tabs == ["应发未发 (1)", "少发或多发 (2)", "不应发而发 (4)", "重复发放 (1)", "无标准发放 (0)"]


def test_a_year_reaching_past_the_data_stops_at_the_as_of_month(run, sqlite_sample_url):
    at = run(sqlite_sample_url, period="2022", lang="en")
    summary = next(df.value for df in at.dataframe if "Eligible" in df.value.columns)
    assert list(summary["Month"]) == ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06"]
    # 2022 Q2's planted errors and 2022 Q1's: an unpaid child in each
    assert "Eligible, not paid (2)" in [tab.label for tab in at.tabs]


@pytest.mark.parametrize("params, shown", [({"by": "district"}, "by=district"), ({"measure": "smiles"}, "smiles")])
def test_bad_chart_parameters_fall_back(run, sqlite_sample_url, params, shown):
    at = run(sqlite_sample_url, **params)
    assert any(shown in plain(w.value) for w in at.warning)
    assert at.query_params.get("by", "category") in ("category", None)


def test_a_street_with_no_children_says_so(run, altered):
    url, engine = altered
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subsidy_payments WHERE street_id = 'fubao'"))
        conn.execute(text("UPDATE children SET category = NULL, registered_on = NULL WHERE street_id = 'fubao'"))
        refresh_summaries(conn)  # changed past the importer
    at = run(url, street="fubao", period="2022Q2", lang="en")
    assert "Fubao Street has no registered children in difficulty and no payments in 2022 Q2" in texts(at)


def test_a_period_without_payments_says_so(run, altered):
    url, engine = altered
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subsidy_payments WHERE month >= :a"), {"a": date(2022, 4, 1)})
        refresh_summaries(conn)  # changed past the importer
    at = run(url, period="2022Q2", lang="en")
    assert "No subsidy payments in 2022 Q2." in texts(at)
    assert "Eligible, not paid (" in " ".join(tab.label for tab in at.tabs)


def test_a_standard_changing_mid_period_is_pointed_out(run, altered):
    url, engine = altered
    with engine.begin() as conn:
        conn.execute(text("UPDATE subsidy_standards SET valid_to = :d WHERE category = 'other_difficulty' "
                          "AND valid_to IS NULL"), {"d": date(2022, 5, 1)})
        conn.execute(text("INSERT INTO subsidy_standards (category, valid_from, monthly_amount) "
                          "VALUES ('other_difficulty', :d, 900)"), {"d": date(2022, 5, 1)})
    at = run(url, period="2022Q2", lang="en")
    assert "the standard changed within this period" in texts(at)
    assert "Other children in difficulty from 2022-05-01: 841 → 900 yuan" in texts(at)
    # 149 + 150 payments in May and June at the old amount, plus the two planted in April
    assert "Paid less or more (301)" in [tab.label for tab in at.tabs]


def test_payments_without_a_standard_are_listed(run, altered):
    url, engine = altered
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subsidy_standards WHERE valid_to = :d"), {"d": date(2022, 1, 1)})
    at = run(url, period="2021Q4", lang="en")
    label = next(tab.label for tab in at.tabs if tab.label.startswith("Paid with no standard"))
    assert label != "Paid with no standard (0)"


def test_brushed_months():
    assert brushed_months(None) is None
    assert brushed_months({}) is None
    march, may = 1646092800000, 1651363200000  # 2022-03-01 and 2022-05-01 00:00 UTC, in ms
    assert brushed_months({"yearmonth_month": [may, march]}) == (date(2022, 3, 1), date(2022, 6, 1))
    assert brushed_months({"month": ["2022-04-15", "2022-04-20"]}) == (date(2022, 4, 1), date(2022, 5, 1))
