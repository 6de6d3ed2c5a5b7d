"""The case queue's everyday use (AppTest): several deadline states at once, the two "no contact" lists, the
workload's filter, the copy link and a street outside the viewer's scope."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import casework, exports
from dashboard.text import plain
from data_access import cases as case_queries
from data_access import quality
from data_access.cases import CaseFilters
from data_access.engine import make_engine
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope
from tests.harness import open_app


@pytest.fixture
def app(app):
    """The case page opened straight from its address, with session ``state``."""
    return lambda state=None, **params: app("views/cases.py", state=state, straight=True, **params)


def queue_total(at: AppTest) -> int:
    caption = next(c.value for c in at.caption if c.value.startswith("共") or " page " in c.value)
    return int(caption.split()[1] if caption.startswith("共") else caption.split()[0])


def cell(at: AppTest, level: str, bucket: str) -> int:
    return int(next(b for b in at.button if b.key == f"cell-{level}-{bucket}").label.replace(",", ""))


def column_total(at: AppTest, bucket: str) -> int:
    return sum(cell(at, level, bucket) for level in ("critical", "high", "medium", "low"))


@pytest.mark.parametrize("due", ["overdue,due_24h", ["overdue", "due_24h"], "due_24h,overdue"])
def test_overdue_or_due_within_24_hours_is_one_list(app, due):
    at = app(period="2022Q2", due=due)
    assert at.multiselect(key="due").value == ["overdue", "due_24h"]
    assert queue_total(at) == column_total(at, "overdue") + column_total(at, "due_24h") > 0
    assert at.query_params["due"] == "overdue,due_24h"
    assert not at.warning


def test_a_single_deadline_value_still_works_and_the_matrix_cell_selects_it(app):
    at = app(period="2022Q2", risk="critical", due="overdue")
    assert at.multiselect(key="due").value == ["overdue"]
    assert queue_total(at) == cell(at, "critical", "overdue")
    assert next(b for b in at.button if b.key == "cell-critical-overdue").proto.type == "primary"


@pytest.mark.parametrize("due, bad", [("soon", "soon"), ("overdue,whenever", "whenever"), ("<b>x</b>", "<b>x</b>")])
def test_a_bad_deadline_value_gets_a_notice_and_the_rest_stands(app, due, bad):
    at = app(period="2022Q2", due=due)
    assert any(bad in plain(w.value) for w in at.warning), [w.value for w in at.warning]
    wanted = ["overdue"] if due.startswith("overdue") else []
    assert at.multiselect(key="due").value == wanted
    assert queue_total(at) > 0


def test_the_two_no_contact_lists_have_two_names(app):
    at = app(lang="zh")
    box = at.selectbox(key="no_contact")
    assert box.options[1:] == ["超过回访周期未联系", "超过 30 天未联系", "超过 60 天未联系", "超过 90 天未联系"]
    at = app(lang="en")
    assert at.selectbox(key="no_contact").options[1] == "Beyond the follow-up cadence"


def test_the_data_pages_no_contact_count_is_the_queues_cadence_list(app, sqlite_sample_url):
    engine = make_engine(sqlite_sample_url)
    at = app(no_contact="cadence")
    as_of = datetime.strptime(next(c.value for c in at.caption if c.value.startswith("计算时刻")).split("：")[1],
                              "%Y-%m-%d %H:%M")
    rules = load_rules()
    filters = Filters(period=Period.parse("2022Q2"))
    counted = quality.quality_counts(engine, Scope.district(), filters, as_of, rules).count("no_contact")
    listed = case_queries.case_queue(engine, Scope.district(), filters, CaseFilters(contact_lapsed=True), as_of, rules,
                                     1, 10_000)
    assert queue_total(at) == counted == listed.total == len(listed.rows) > 0
    thirty = case_queries.case_queue(engine, Scope.district(), filters, CaseFilters(no_contact_days=30), as_of, rules)
    assert thirty.total != counted  # a different definition under a different name


def test_the_data_page_links_its_count_to_that_list(app):
    at = open_app("views/data.py", state={"demo-role": "analyst"})
    links = [p for p in at.get("page_link") if "个案页打开" in p.proto.label]
    assert links, "the no-contact card links to the case page"
    assert "no_contact=cadence" in links[0].proto.query_string and "due=" not in links[0].proto.query_string.replace(
        "due=&", "")


def test_the_workload_names_its_bands_and_its_counts_are_the_queues(app):
    at = app(period="2022Q2")
    assert any("负荷分档" in c.value and "超负荷" in c.value for c in at.caption)
    workload = next(d.value for d in at.dataframe if "负荷" in d.value.columns)
    busiest = int(workload["在办"].iloc[0])
    assert busiest > 0
    worker = at.session_state["_workload_ids"][0]
    filtered = app(period="2022Q2", staff=str(worker))
    assert filtered.selectbox(key="staff").value == str(worker)
    assert queue_total(filtered) == busiest


def test_a_worker_click_filters_the_queue_to_their_cases(app):
    at = app(period="2022Q2")
    holders = pd.DataFrame({"id": at.session_state["_workload_ids"]})
    target = int(holders["id"].iloc[0])
    state = {"staff": "", "page": 3, "case": "FT-2022-00001"}
    with_state(state, lambda: casework.worker_filter(target, holders))
    assert state == {"staff": str(target), "page": 1, "case": ""}
    assert not with_state(state, lambda: casework.worker_filter(999_999, holders))


def with_state(state: dict, action):
    """Run a session-state callback against a plain dict."""
    original = casework.st.session_state
    try:
        casework.st.session_state = state
        return action()
    finally:
        casework.st.session_state = original


def test_a_supervisor_linked_to_another_street_is_told_it_is_not_theirs(app):
    at = app({"demo-role": "supervisor", "demo-street": "futian"}, street="huaqiangbei")
    warnings = [plain(w.value) for w in at.warning]
    assert any("没有查看该街道的权限" in w and "福田街道" in w for w in warnings), warnings
    assert not any("无效" in w for w in warnings)
    at = app({"demo-role": "supervisor", "demo-street": "futian"}, street="atlantis")
    assert any("无效" in plain(w.value) and "福田街道" in plain(w.value) for w in at.warning)


def test_the_copy_link_holds_the_filters(app):
    at = app(period="2022Q2", risk="critical", due="overdue,due_24h", no_contact="cadence")
    code = next(c.value for c in at.code if "/cases?" in c.value)
    for part in ("risk=critical", "due=overdue%2Cdue_24h", "no_contact=cadence", "period=2022Q2"):
        assert part in code, code


def test_the_excel_export_has_absolute_times_filters_a_frozen_header_and_a_filter():
    frame = pd.DataFrame({"个案编号": ["FT-1", "=cmd"], "下一时限": ["2022-06-30 14:00", ""]})
    about = [("数据截至", "2022-06-30 12:00"), ("未联系", "超过回访周期未联系"), ("注入", "=1+1")]
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel_bytes(frame, "个案", about, "导出说明")))
    sheet = book["个案"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet.column_dimensions["A"].width >= 10
    assert sheet["A3"].value == "'=cmd"
    rows = list(book["导出说明"].iter_rows(values_only=True))
    assert rows[:2] == [("数据截至", "2022-06-30 12:00"), ("未联系", "超过回访周期未联系")]
    assert rows[2] == ("注入", "'=1+1")


def test_the_timeline_is_newest_first_under_the_next_deadline():
    events = pd.DataFrame({"occurred_at": pd.to_datetime(["2022-06-01 09:00", "2022-06-03 10:00", "2022-06-05 11:00"]),
                           "kind": ["report", "phone", "visit"], "stage": ["reported", "verifying", "assessing"],
                           "staff_name": ["甲", None, "乙"]})
    detail = case_queries.CaseDetail({}, {}, events, "follow_up", datetime(2022, 6, 7, 11), "on_time")
    table = casework.timeline_table(detail, datetime(2022, 6, 6, 11), "zh")
    assert list(table["时间"]) == ["2022-06-07 11:00", "2022-06-05 11:00", "2022-06-03 10:00", "2022-06-01 09:00"]
    assert table["事件"].iloc[0] == "【下一时限】回访 · 24 小时后到期"
    closed = case_queries.CaseDetail({}, {}, events, None, None, "closed")
    assert list(casework.timeline_table(closed, datetime(2022, 6, 6), "en")["Time"])[0] == "2022-06-05 11:00"


def test_workers_above_the_first_band_are_highlighted():
    workload = pd.DataFrame({"name": ["甲", "乙", "丙", "丁"], "role": ["social_worker"] * 4,
                             "street_zh": ["福田"] * 4, "street_en": ["Futian"] * 4,
                             "open_cases": [31, 22, 12, 3], "overdue_cases": [2, 0, 0, 0],
                             "band": ["30_plus", "20_29", "10_19", "lt_10"]})
    html = casework.workload_table(workload, "zh").to_html()
    assert html.count(casework.BAND_STYLES["30_plus"].split(";")[0]) >= 1
    assert casework.BAND_STYLES["20_29"].split(";")[0] in html and casework.BAND_STYLES["10_19"] in html
    styles = casework.workload_table(workload, "zh")._compute().ctx
    assert not any("background" in prop for (row, _), props in styles.items() if row == 3 for prop, _ in props)


def test_the_export_file_name_says_what_it_holds():
    pairs = [("街道", "福田街道"), ("阶段", "在办（全部在办阶段）"), ("未联系", "超过回访周期未联系"), ("风险等级", "一级·红/二级")]
    name = casework.export_name(pairs, datetime(2022, 6, 30, 18), "zh")
    assert name == "危机个案_福田街道_超过回访周期未联系_一级·红-二级_2022-06-30"


@pytest.mark.parametrize("sample_engine", ["sqlite"], indirect=True)
def test_the_export_has_the_screens_columns_with_times_in_full(sample_engine, as_of):
    from types import SimpleNamespace

    rules = load_rules()
    rows = case_queries.case_queue(sample_engine, Scope.district(), Filters(period=Period.parse("2022Q2")),
                                   CaseFilters(), as_of, rules, page_size=50).rows.reset_index(drop=True)
    ctx = SimpleNamespace(lang="zh", as_of=as_of)
    shown, exported = casework.display_queue(rows, ctx, rules), casework.export_queue(rows, ctx, rules)
    assert [c for c in exported.columns if c in shown.columns] == list(shown.columns)
    for column in shown.columns.drop("下一时限"):
        assert list(shown[column]) == list(exported[column]), column
    assert "下一时限" in exported.columns and not exported["下一时限"].str.contains("后到期|逾期").any()
    flagged = rows[rows["flag_self_harm"].astype(bool) & ~rows["mandatory_report"].astype(bool)].index
    assert all(shown.loc[i, "标记"].startswith("自伤念头") and "强制报告" not in shown.loc[i, "标记"] for i in flagged)
