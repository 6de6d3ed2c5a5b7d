"""Every page runs under AppTest in Chinese and English and shows what it should."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.text import plain
from tests.harness import metric, open_app, serve_sample, text_of

PAGES = ["views/overview.py", "views/map.py", "views/cases.py", "views/subsidies.py", "views/explore.py", "views/data.py"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(app, page, lang):
    at = app(page, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    badge = "合成示例数据" if lang == "zh" else "Synthetic sample data"
    assert badge in text_of(at)
    assert "数据截至" in text_of(at) if lang == "zh" else "Data as of" in text_of(at)


def test_overview_shows_the_network_from_the_database(app):
    at = app(period="2022Q2")
    assert metric(at, "街道未保工作站") == "10"
    assert metric(at, "街道儿童督导员") == "10"
    assert metric(at, "社区儿童主任") == "92"
    assert metric(at, "涉未社会组织") == "27"
    captions = "\n".join(c.value for c in at.caption)
    assert "覆盖 10/10 个街道" in captions and "覆盖 92/92 个社区" in captions
    assert "心理咨询 8 · 社会团体 9 · 其他 10" in captions


def test_subsidy_page_shows_the_2022_q2_calibration(app):
    at = app("views/subsidies.py", period="2022Q2", lang="en")
    assert metric(at, "Person-times paid") == "556"
    assert metric(at, "Amount paid (yuan)") == "641,800.00"


def test_street_filter_narrows_the_figures(app):
    at = app(street="huaqiangbei")
    assert metric(at, "街道未保工作站") == "1"
    assert metric(at, "社区儿童主任") == "5"
    assert "范围：华强北" in text_of(at)


@pytest.mark.parametrize("street", ["华强北", "HuaQiangBei", "华强北街道"])
def test_street_accepts_its_chinese_name_and_any_case(app, street):
    at = app(street=street)
    assert not at.warning
    assert at.query_params["street"] == "huaqiangbei"


@pytest.mark.parametrize(
    "params, shown",
    [
        ({"street": "atlantis"}, "street=atlantis"),
        ({"period": "2022Q9"}, "period=2022Q9"),
        ({"period": "2099"}, "2099"),
        ({"period": "'; DROP TABLE cases; --"}, "DROP TABLE"),
        ({"lang": "fr"}, "lang=fr"),
    ],
)
def test_garbage_in_the_url_gives_a_notice_and_the_defaults(app, params, shown):
    at = app(**params)
    assert not at.exception
    warnings = "\n".join(plain(w.value) for w in at.warning)
    assert shown in warnings
    assert metric(at, "街道未保工作站") == "10"
    assert at.query_params.get("period") == "2022Q2"
    assert "street" not in at.query_params


def test_a_shared_link_reproduces_the_view(app):
    at = app("views/subsidies.py", street="fubao", period="2022Q1", lang="en")
    assert at.query_params["street"] == "fubao" and at.query_params["period"] == "2022Q1"
    assert "Scope: Fubao" in text_of(at) and "Period: 2022 Q1" in text_of(at)


def test_unreachable_database_shows_a_banner_not_a_traceback(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://dash:secret@127.0.0.1:1/dashboard")
    at = app()
    assert not at.exception
    banner = "\n".join(e.value for e in at.error)
    assert "127.0.0.1:1/dashboard" in banner and "DATABASE_URL" in banner
    assert "secret" not in banner
    assert not at.metric


def test_database_without_tables_says_what_to_do(app, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = app(lang="en")
    assert not at.exception
    banner = "\n".join(e.value for e in at.error)
    assert "missing tables" in banner and "python -m sample_data" in banner


def test_first_run_builds_the_sample_database(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "var"))
    st.cache_data.clear()
    at = open_app(timeout=120)
    assert not at.exception
    assert (tmp_path / "var" / "dashboard.db").exists()
    assert metric(at, "街道未保工作站") == "10"
    st.cache_data.clear()


def queue_total(at: AppTest) -> int:
    caption = next(c.value for c in at.caption if "页" in c.value or "page" in c.value)
    return int(caption.split()[1] if caption.startswith("共") else caption.split()[0])


@pytest.mark.parametrize(
    "params, shown",
    [
        ({"stage": "lost"}, "lost"),
        ({"risk": "extreme,critical"}, "extreme"),
        ({"staff": "999999"}, "999999"),
        ({"type": "aliens"}, "aliens"),
        ({"due": "yesterday"}, "yesterday"),
        ({"no_contact": "45"}, "45"),
        ({"community": "atlantis-01"}, "atlantis-01"),
        ({"from": "2022-06-30", "to": "2022-04-01"}, "2022-06-30"),
        ({"from": "2022-13-01", "to": "2022-04-01"}, "2022-13-01"),
        ({"page": "-3"}, "-3"),
    ],
)
def test_case_page_bad_url_input_gives_a_notice_and_a_safe_fallback(app, params, shown):
    at = app("views/cases.py", period="2022Q2", **params)
    assert not at.exception, [e.value for e in at.exception]
    assert any(shown in plain(w.value) for w in at.warning), [w.value for w in at.warning]
    assert queue_total(at) > 0


def test_case_page_filters_from_the_url(app):
    at = app("views/cases.py", period="2022Q2", risk="critical", due="due_24h")
    cell = next(b for b in at.button if b.key == "cell-critical-due_24h")
    assert queue_total(at) == int(cell.label)
    assert at.query_params["risk"] == "critical" and at.query_params["due"] == "due_24h"


def test_unknown_case_number_is_refused_without_detail(app):
    at = app("views/cases.py", case="FT-1999-99999")
    assert any("FT-1999-99999" in plain(w.value) for w in at.warning)
    assert not any(s.value.startswith("个案 FT-") for s in at.subheader)
    assert "case" not in at.query_params


def test_case_detail_from_the_url(app, monkeypatch, sample_copy_url):
    serve_sample(monkeypatch, sample_copy_url)  # viewing a case writes to the audit log: not in the shared sample
    first = app("views/cases.py", lang="en").dataframe[0].value.iloc[0, 0]
    assert first.startswith("FT-")
    at = app("views/cases.py", lang="en", case=first)
    assert any(plain(s.value).startswith("Case FT-") for s in at.subheader)
    assert any("Rule:" in c.value for c in at.caption)


@pytest.mark.parametrize("lang, header, title, summary", [
    ("zh", "范围：福田街道", "福田街道总览", "福田街道在册困境儿童"),
    ("en", "Scope: Futian Street", "Futian Street overview", "Futian Street has"),
])
def test_a_street_is_named_as_a_street_in_the_header_title_and_summary(app, lang, header, title, summary):
    at = app(street="futian", period="2022Q2", lang=lang)
    text = text_of(at)
    assert header in text and title in text and summary in text, text[:600]
    assert "福田街道街道" not in text and "Street Street" not in text
    at = app(period="2022Q2", lang=lang)
    assert ("范围：全区" if lang == "zh" else "Scope: Whole district") in text_of(at)


def test_a_street_title_is_added_once():
    from dashboard.context import street_title

    assert [street_title("福田", "zh"), street_title("福田街道", "zh")] == ["福田街道", "福田街道"]
    assert [street_title("Futian", "en"), street_title("Futian Street", "en")] == ["Futian Street", "Futian Street"]
