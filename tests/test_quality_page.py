"""The data-quality panel on /data under each role (AppTest), on a sample copy with problems planted."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from catalogue.i18n import t
from dashboard import quality_panel
from dashboard.text import plain
from data_access import quality
from data_access.engine import make_engine
from data_access.rules import load_rules
from data_access.summaries import refresh_summaries
from tests.harness import metric, open_app, serve_sample

ROLES = {
    "leader": {},
    "supervisor": {"demo-street": "fubao"},
    "director": {"demo-street": "fubao", "demo-community": "fubao-04"},
    "analyst": {},
    "admin": {},
}


@pytest.fixture
def planted_url(sample_copy_url) -> str:
    """One fubao child (in community fubao-04) without a guardian phone, and a station with swapped coordinates."""
    with sqlite3.connect(sample_copy_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE children SET guardian_phone = NULL WHERE id = "
                     "(SELECT MIN(id) FROM children WHERE street_id = 'fubao' AND community_id = 'fubao-04')")
        conn.execute("UPDATE stations SET lat = lon, lon = lat WHERE id = 1")
    engine = make_engine(sample_copy_url)
    with engine.begin() as conn:  # changed past the importer
        refresh_summaries(conn)
    engine.dispose()
    return sample_copy_url


def open_data(monkeypatch, url: str, role: str, **params: str) -> AppTest:
    serve_sample(monkeypatch, url)
    monkeypatch.delenv("DASHBOARD_AS_OF", raising=False)
    st.cache_data.clear()
    return open_app("views/data.py", state={"demo-role": role, **ROLES[role]}, **params)


def quality_tables(at: AppTest) -> list[pd.DataFrame]:
    """The panel's tables (not the admin's table of row counts)."""
    return [d.value for d in at.dataframe if "数据表" not in d.value.columns and "Table" not in d.value.columns]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_sees_the_panel_with_counts_in_its_scope(monkeypatch, planted_url, role):
    at = open_data(monkeypatch, planted_url, role)
    assert "数据质量" in [s.value for s in at.subheader]
    assert metric(at, "档案信息不完整") == "1"
    assert metric(at, "在办个案无负责人") == "0"
    assert metric(at, "坐标不在福田区内") == ("0" if role in ("supervisor", "director") else "1")
    # Every check with nothing to report says so with a green tick, not an empty table.
    ticks = [m.value for m in at.markdown if m.value.startswith(":green-badge[:material/check_circle: 无此类问题]")]
    assert len(ticks) == [metric(at, t(f"quality.check.{c}", "zh")) for c in quality.CHECKS].count("0")
    district = {"leader", "analyst", "admin"}
    # Of the sample's 14 cases past their cadence, one is in fubao, in its community fubao-04 (石厦).
    assert metric(at, "超过回访周期未联系") == ("14" if role in district else "1")
    assert not quality_tables(at)
    shows = [b.key for b in at.button if b.key and b.key.startswith("quality-show-")]
    if role == "leader":
        assert shows == ["quality-show-outside_district"]
        # incomplete files, contact overdue and the sample's two payments after leaving the register
        assert [c.value for c in at.caption].count("仅显示数量") == 3
    else:
        assert "quality-show-incomplete" in shows


def test_the_completeness_rate_counts_files_in_the_scope(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "supervisor", lang="en")
    assert metric(at, "Complete files") == "97.5%"
    assert "39 of 40 children's files are complete" in [c.value for c in at.caption]


def test_a_check_in_the_url_opens_its_rows_masked(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "supervisor", check="incomplete", lang="en")
    [table] = quality_tables(at)
    assert len(table) == 1
    assert table["Missing"].iloc[0] == "guardian's phone"
    assert "*" in table["Child"].iloc[0] and "*" in table["ID number"].iloc[0]
    assert table["Street"].iloc[0] == "Fubao"
    assert [b.key for b in at.get("download_button")] == ["quality-incomplete-csv", "quality-incomplete-xlsx"]
    assert at.query_params["check"] == "incomplete"


def test_show_rows_puts_the_check_in_the_url_and_close_removes_it(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "analyst", lang="en")
    at.button(key="quality-show-outside_district").click().run()
    assert at.query_params["check"] == "outside_district"
    [table] = quality_tables(at)
    assert list(table["Kind"]) == ["station"]
    assert "**Outside Futian District: 1**" in [m.value for m in at.markdown]
    at.button(key="quality-close").click().run()
    assert "check" not in at.query_params
    assert not quality_tables(at)


def test_a_link_without_a_check_closes_its_rows(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "supervisor", check="incomplete", lang="en")
    assert quality_tables(at)
    for view in ("views/overview.py", "views/data.py"):
        at.query_params.clear()
        at.query_params.update(lang="en")
        at.switch_page(view).run()
    assert not at.exception and not quality_tables(at)
    assert "check" not in at.query_params


def test_leadership_gets_counts_not_rows_about_people(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "leader", check="incomplete", lang="en")
    assert any("counts only" in i.value for i in at.info)
    assert not quality_tables(at)
    at = open_data(monkeypatch, planted_url, "leader", check="outside_district", lang="en")
    assert len(quality_tables(at)) == 1


def test_a_check_with_nothing_to_show_says_so(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "analyst", check="no_holder")
    assert any("没有此类问题" in s.value for s in at.success)
    assert not quality_tables(at)


def test_payments_link_to_the_subsidy_page_instead_of_repeating_its_list(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "analyst", check="unregistered_payments", period="2022Q2", lang="en")
    assert any("Paid while not eligible" in c.value for c in at.caption)
    [link] = [link for link in at.get("page_link") if link.proto.page == "subsidies"]
    assert (link.proto.page, link.proto.query_string) == ("subsidies", "lang=en&period=2022Q2")
    assert not quality_tables(at)  # both sample payments belong to known children: listed on /subsidies


def test_an_unknown_check_in_the_url_gets_a_notice(monkeypatch, planted_url):
    at = open_data(monkeypatch, planted_url, "analyst", check="everything", lang="en")
    assert any("check=everything" in plain(w.value) for w in at.warning)
    assert "check" not in at.query_params
    assert not quality_tables(at)


def test_the_data_call_refuses_an_unknown_check():
    from dashboard import data
    from data_access.types import Filters, Scope

    with pytest.raises(ValueError, match="unknown data-quality check 'everything'"):
        data.quality_rows("everything", Scope.district(), Filters(), datetime(2022, 6, 30, 18))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("check", quality.CHECKS)
def test_every_checks_table_has_translated_headers_even_when_empty(check, lang):
    empty = {
        "incomplete": ["file_no", "child_name", "id_number", "gender", "birth_date", "category", "street_zh",
                       "street_en", "community_zh", "community_en", "guardian_phone", "address", "missing"],
        "duplicates": ["group", "file_no", "child_name", "id_number", "gender", "birth_date", "category", "street_zh",
                       "street_en", "community_zh", "community_en", "files"],
        "no_community": ["file_no", "child_name", "id_number", "gender", "birth_date", "category", "street_zh",
                         "street_en", "community_zh", "community_en"],
        "no_holder": ["case_no", "street_zh", "street_en", "community_zh", "community_en", "risk_level", "stage",
                      "reported_at", "last_contact_at", "staff_name", "staff_left_on", "reason"],
        "no_contact": ["case_no", "street_zh", "street_en", "community_zh", "community_en", "risk_level", "stage",
                       "reported_at", "last_contact_at", "cadence_days", "days_without_contact"],
        "unregistered_payments": ["payment_no", "month", "child_id", "file_no", "child_name", "street_zh",
                                  "street_en", "amount", "reason"],
        "outside_district": ["kind", "name_zh", "name_en", "street_zh", "street_en", "lat", "lon"],
    }[check]
    table = quality_panel.display_rows(check, pd.DataFrame({c: pd.Series(dtype=object) for c in empty}), lang,
                                       load_rules())
    assert len(table.columns) >= 5
    assert not any("_" in str(c) for c in table.columns), list(table.columns)
