"""The overview page: every link leads to a page showing the same number; meeting mode; the briefing."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import text

from dashboard import briefing, data, gaps, pressure
from dashboard.text import plain
from data_access.engine import make_engine
from tests.harness import briefing_for, metric, text_of

CASE_LINKS = {"个案队列", "逾期个案", "一级·红个案"}


def links_of(at) -> list[tuple[str, dict[str, str]]]:
    return [(link.proto.label, dict(parse_qsl(link.proto.query_string, keep_blank_values=True)))
            for link in at.get("page_link")]


def queue_total(app, params: dict[str, str]) -> int:
    at = app("views/cases.py", **params)
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("共 "))
    return int(re.match(r"共 (\d+) 件", caption).group(1))


def test_case_links_show_the_card_numbers(app):
    at = app(period="2022Q2")
    expected = {"": int(metric(at, "在办危机个案")), "overdue": int(metric(at, "逾期个案")),
                "critical": int(metric(at, "一级·红在办"))}
    checked = 0
    for label, params in links_of(at):
        if label not in CASE_LINKS:
            continue
        assert params["period"] == "2022Q2" and params["lang"] == "zh"
        assert "" not in params.values(), params  # clean URLs: no empty parameter
        wanted = params.get("due") or params.get("risk", "")
        assert queue_total(app, params) == expected[wanted], (label, params)
        checked += 1
    assert checked >= 5  # three cards and the gaps for overdue and critical cases


def test_the_indicator_link_shows_the_reported_cases_and_the_median(app):
    at = app(period="2022Q2")
    params = next(p for label, p in links_of(at) if label == "个案指标")
    cases = app("views/cases.py", **params)
    assert metric(cases, "本期新接报") == metric(at, "本期新接报")
    assert metric(cases, "首次响应及时率") == metric(at, "首次响应及时率")
    assert metric(cases, "首次响应中位时长（各等级合并）") == "36.8 小时"


def test_the_subsidy_link_shows_the_same_payments(app):
    at = app(period="2022Q2", lang="en")
    params = next(p for label, p in links_of(at) if label == "Subsidies")
    paid = app("views/subsidies.py", **params)
    for name in ("Person-times paid", "Amount paid (yuan)", "Children paid in the period"):
        assert metric(paid, name) == metric(at, name)
    assert metric(at, "Person-times paid") == "556" and metric(at, "Amount paid (yuan)") == "641,800.00"


def test_the_network_link_shows_the_communities_on_the_map(app):
    at = app(period="2022Q2")
    params = next(p for label, p in links_of(at) if label == "覆盖地图" and p.get("metric") == "director_share")
    shown = app("views/map.py", **params)
    assert not shown.exception
    communities = re.search(r"覆盖 (\d+)/(\d+) 个社区", text_of(at)).group(2)
    assert f"/{communities}，" in text_of(shown)
    assert metric(shown, "缺儿童主任") == "0"


def test_each_street_row_opens_that_streets_queue_and_map(app):
    at = app(period="2022Q2")
    ctx = at.session_state["_view_context"]
    ranked = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    queues = [p for label, p in links_of(at) if label == "队列"]
    maps = [p for label, p in links_of(at) if label == "地图"]
    assert [p["street"] for p in queues] == list(ranked["street_id"])
    assert [p["street"] for p in maps] == list(ranked["street_id"])
    for params, open_cases in list(zip(queues, ranked["open_cases"]))[:3]:
        assert "" not in params.values() and params["period"] == "2022Q2"
        assert queue_total(app, params) == open_cases, params
    assert [link.proto.page for link in at.get("page_link") if link.proto.label == "队列"][0].endswith("cases")


def test_the_pressure_table_says_why_and_sorts(app):
    at = app(period="2022Q2")
    ctx = at.session_state["_view_context"]
    streets = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    figures = data.street_figures(ctx.scope, ctx.filters, ctx.as_of)
    top = pressure.ranked(streets, figures, "rank").iloc[0]
    assert pressure.reason(top, "zh").startswith(f"逾期{top['overdue_cases']}件")
    assert pressure.reason({"overdue_cases": 0, "critical_cases": 2, "open_cases": 5}, "en") == "2 critical, 5 open"
    assert pressure.reason({"overdue_cases": 0, "critical_cases": 0, "open_cases": 0}, "zh") == "无在办个案"
    by_rate = pressure.ranked(streets, figures, "per_100")["cases_per_100"].dropna()
    assert list(by_rate) == sorted(by_rate, reverse=True) and by_rate.max() > 0
    by_critical = pressure.ranked(streets, figures, "critical")["critical_cases"]
    assert list(by_critical) == sorted(by_critical, reverse=True)
    assert list(pressure.ranked(streets, figures, "name")["street_id"]) == list(figures["id"])
    at.segmented_control(key="pressure_sort").set_value("open").run()
    assert not at.exception
    shown = [p["street"] for label, p in links_of(at) if label == "队列"]
    assert shown == list(pressure.ranked(streets, figures, "open")["street_id"])
    assert any("每百名儿童在办（可超100）" in m.value for m in at.markdown)
    assert any("所以可以超过100" in c.value for c in at.caption)


def test_a_street_overview_links_keep_the_street(app):
    at = app(period="2022Q2", street="fubao")
    for label, params in links_of(at):
        assert params.get("street") == "fubao", label
    open_cases = int(metric(at, "在办危机个案"))
    params = next(p for label, p in links_of(at) if label == "个案队列" and not p.get("due") and not p.get("risk"))
    assert queue_total(app, params) == open_cases


def test_the_summary_paragraph_is_written_from_the_figures(app):
    at = app(period="2022Q2")
    summary = text_of(at)
    assert "截至2022年6月30日，全区在册困境儿童185人" in summary
    assert "2022年第二季度累计发放困境儿童补贴556人次、64.18万元" in summary


# --- meeting mode ------------------------------------------------------------------------------


def test_meeting_mode_steps_through_the_screens(app):
    at = app(mode="meeting", period="2022Q2")
    titles = []
    for _ in range(4):
        assert not at.exception
        titles.append(at.title[0].value)
        assert "统计期间：2022年第二季度" in text_of(at)
        next_button = at.button(key="meeting-next")
        if next_button.disabled:
            break
        next_button.click().run()
    assert titles == ["服务网络", "危机个案", "困境儿童补贴", "短板与待办"]
    assert at.query_params["screen"] == "gaps" and at.query_params["mode"] == "meeting"
    at.button(key="meeting-previous").click().run()
    assert at.title[0].value == "困境儿童补贴"
    assert at.button(key="meeting-previous").disabled is False


def test_meeting_mode_shows_the_figures_in_english(app):
    at = app(mode="meeting", screen="cases", lang="en", period="2022Q2")
    assert at.title[0].value == "Crisis cases"
    assert metric(at, "Open crisis cases") == "108" and metric(at, "Overdue cases") == "16"
    assert at.button(key="meeting-previous").disabled is False


def test_an_unknown_meeting_screen_starts_at_the_first(app):
    at = app(mode="meeting", screen="'; DROP TABLE cases; --")
    assert not at.exception
    assert at.title[0].value == "服务网络"
    assert at.button(key="meeting-previous").disabled is True


# --- the briefing -------------------------------------------------------------------------------

EXTERNAL = re.compile(r"(?:https?:|ftp:|file:)?//(?!www\.w3\.org/)[^\s\"'<>]+", re.IGNORECASE)


def test_the_briefing_holds_the_figures_and_nothing_from_outside(app):
    html = briefing_for(app, period="2022Q2")
    for figure in ("556人次、64.18万元", "641,800.00 元", "截至2022年6月30日", "福田区未成年人保护工作简报",
                   "逾期个案 16 件", "合成示例数据"):
        assert figure in html, figure
    assert html.count("<svg") == 2
    assert EXTERNAL.findall(html) == []
    for tag in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert tag not in html.lower(), tag


def test_the_briefing_in_english_for_one_street(app):
    html = briefing_for(app, period="2022Q2", lang="en", street="huaqiangbei")
    assert "Futian District Minor Protection Briefing" in html and 'lang="en"' in html
    assert "Huaqiangbei Street has" in html
    assert "福田区" not in html and EXTERNAL.findall(html) == []


def test_downloading_the_briefing_is_audited(app, sample_copy_url, monkeypatch):
    from tests.harness import serve_sample

    serve_sample(monkeypatch, sample_copy_url)
    at = app(period="2022Q2")
    ctx = at.session_state["_view_context"]
    figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
    pressure = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    html = briefing.download(ctx, figures, pressure, [], "demo")
    assert "556" in html
    with make_engine(sample_copy_url).connect() as conn:
        rows = conn.execute(text("SELECT action, target FROM audit_log WHERE target = 'briefing'")).all()
    assert rows == [("export", "briefing")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_file_is_named_for_what_it_holds(app, lang):
    at = app(period="2022Q1", street="fubao", lang=lang)
    assert briefing.file_name(at.session_state["_view_context"]) == f"briefing-2022Q1-fubao-{lang}.html"


def explore_totals(app, params: dict[str, str]):
    at = app("views/explore.py", **params)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    return at.dataframe[0].value


def test_the_register_link_shows_each_category_on_the_explore_page(app):
    at = app(period="2022Q2", lang="en")
    params = next(p for label, p in links_of(at) if label == "Register")
    table = explore_totals(app, params)
    shown = dict(zip(table.iloc[:, 0], table.iloc[:, 1]))
    for category in ("Orphans", "De-facto unsupported children", "Other children in difficulty"):
        assert str(shown[category]) == metric(at, category)
    assert sum(shown.values()) == int(metric(at, "Registered at period end"))


def test_the_training_link_shows_who_is_trained(app):
    at = app(period="2022Q2", lang="en")
    params = next(p for label, p in links_of(at) if label == "By street")
    table = explore_totals(app, params)
    note = next(c.value for c in at.caption if "staff in post" in c.value)
    done, staff = (int(n) for n in re.findall(r"\d+", note)[:2])
    assert staff == 138 and 0.6 * staff < done < staff
    assert table["Trained"].sum() == done
    assert table["Trained"].sum() + table["Not trained"].sum() == staff


@pytest.mark.parametrize("mode", ["", "meeting"])
def test_a_running_quarter_says_to_date_and_compares_like_for_like(app, monkeypatch, mode):
    monkeypatch.setenv("DASHBOARD_AS_OF", "2022-05-20")
    params = {"period": "2022Q2", "lang": "en", **({"mode": mode, "screen": "subsidies"} if mode else {})}
    at = app(**params)
    assert not at.exception
    shown = text_of(at)
    assert "Period: 2022 Q2 (to date)" in shown
    captions = [plain(c.value) for c in at.caption] + [plain(m.value) for m in at.markdown]
    assert any("Apr 2022, against Jan 2022" in c for c in captions), captions
    if not mode:
        assert any("to 20 May, against the same days of 2022 Q1" in c for c in captions), captions
        assert "In Apr 2022, " in shown and "on the same months of the previous period" in shown
        link = next(p for label, p in links_of(at) if label == "Subsidies")
        paid = app("views/subsidies.py", **link)
        for name in ("Person-times paid", "Amount paid (yuan)", "Children paid in the period"):
            assert metric(paid, name) == metric(at, name)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_explains_itself(app, lang):
    from dashboard import layout

    at = app(period="2022Q2", lang=lang)
    assert at.metric and all(m.proto.help for m in at.metric), [m.label for m in at.metric if not m.proto.help]
    assert all(c.proto.help for c in at.caption if c.value in (t_("chart.cases_trend", lang),
                                                                t_("chart.subsidy_trend_short", lang)))
    for screen in ("network", "cases", "subsidies"):
        meeting = app(mode="meeting", screen=screen, lang=lang)
        assert all(m.proto.help for m in meeting.metric), (screen, [m.label for m in meeting.metric])
    html = briefing_for(app, period="2022Q2", lang=lang)
    for name in ("children", "open", "within", "reported", "person_times", "training"):
        assert layout.definition(name, lang) in html.replace("&#39;", "'"), name
    assert html.count("<sup>") >= 20


def t_(key: str, lang: str) -> str:
    from catalogue.i18n import t

    return t(key, lang)


def test_before_the_first_session_of_the_year_the_training_card_says_so(app, monkeypatch):
    monkeypatch.setenv("DASHBOARD_AS_OF", "2022-01-05")
    at = app(period="2022Q1", lang="en")
    assert not at.exception
    assert metric(at, "Trained this year") == "0.0%"
    note = next(c.value for c in at.caption if "staff in post" in c.value)
    assert "no session held yet this year" in note and "vs 2021-01-05" in note
    assert "attended any training session" not in text_of(at)


@pytest.mark.parametrize("lang, title, network", [
    ("zh", "华强北街道总览", "华强北街道已建立未成年人保护工作站"),
    ("en", "Huaqiangbei Street overview", "Huaqiangbei Street has a work station"),
])
def test_a_supervisors_overview_is_titled_and_told_for_their_street(monkeypatch, sample_copy_url, lang, title,
                                                                    network):
    from tests.harness import start

    at = start(monkeypatch, demo_url=sample_copy_url, lang=lang, period="2022Q2",
               state={"demo-role": "supervisor", "demo-street": "huaqiangbei"})
    assert [plain(x.value) for x in at.title] == [title]
    summary = text_of(at)
    assert network in summary
    assert "全区" not in summary and "1个街道" not in summary and "1 of 1 streets" not in summary
    queues = [p for label, p in links_of(at) if label in ("队列", "Queue")]
    assert [p["street"] for p in queues] == ["huaqiangbei"]


def test_the_district_overview_keeps_its_title_and_counts_the_streets(app):
    at = app(period="2022Q2")
    assert [plain(x.value) for x in at.title] == ["全区总览"]
    assert "10个街道均已建立未成年人保护工作站" in text_of(at)


def test_the_gaps_empty_reconciliation_has_every_anomaly_kind(monkeypatch):
    from data_access import subsidies

    assert list(gaps.no_problems()) == list(subsidies.ANOMALY_KINDS)
    monkeypatch.setattr(subsidies, "ANOMALY_KINDS", (*subsidies.ANOMALY_KINDS, "late"))
    assert list(gaps.no_problems()) == list(subsidies.ANOMALY_KINDS)
    assert all(frame.empty and list(frame.columns) == ["at_issue"] for frame in gaps.no_problems().values())
