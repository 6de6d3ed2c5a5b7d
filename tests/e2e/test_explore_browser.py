"""The Explore page in a real browser, driven from shared URLs; screenshots in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bench.browser import VEGA
from tests.harness import SCREENSHOTS, assert_no_exception, open_page, script_run

pytestmark = pytest.mark.e2e

VIEWS = {
    "heatmap": ("dataset=cases&dim=street&dim2=risk&measure=median&column=response_hours&chart=heatmap",
                {"zh": ["首次响应用时（小时）（中位数）", "透视表：街道 × 风险等级"],
                 "en": ["Median of time to first response (hours)", "Pivot: Street × Risk level"]}),
    "bar": ("dataset=payments&dim=month&dim2=category&measure=sum&column=amount&chart=bar",
            {"zh": ["发放金额（元）（合计）", "其他困境儿童"], "en": ["Sum of amount paid (yuan)", "Other children in difficulty"]}),
    "map": ("dataset=children&dim=street&measure=count&chart=map",
            {"zh": ["儿童人数", "街道范围为示意图"], "en": ["Children", "Street cells are schematic"]}),
    "community-map": ("dataset=payments&dim=community&measure=children&chart=map",
                      {"zh": ["涉及儿童数（去重）", "无数据"], "en": ["Distinct children", "No data"]}),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_an_exploration_opens_from_its_url(page, app_url, external_requests, view, lang):
    params, texts = VIEWS[view]
    page.set_viewport_size({"width": 1400, "height": 1700})
    open_page(page, f"{app_url}/explore?lang={lang}&period=2022Q2&{params}")
    assert_no_exception(page)
    chart = "[data-testid='stDeckGlJsonChart'] canvas" if view in ("map", "community-map") else VEGA
    page.locator(chart).first.wait_for(state="visible", timeout=15_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=15_000)
    main = page.locator("[data-testid='stMain']")
    for text in texts[lang]:
        expect(main).to_contain_text(text)
    assert page.locator("[data-testid='stAlert']").all_inner_texts() == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"explore-{view}-{lang}.png", full_page=True)
    assert external_requests == []


def test_a_hostile_url_gets_a_notice_and_the_default_view(page, app_url, external_requests):
    open_page(page, f"{app_url}/explore?lang=en&dim=street%3B%20DROP%20TABLE%20cases&measure=amount)%20--")
    assert_no_exception(page)
    alerts = "\n".join(page.locator("[data-testid='stAlert']").all_inner_texts())
    assert "dim=street; DROP TABLE cases" in alerts
    assert "measure=amount)" in alerts  # (Markdown shows the "--" as a dash)
    page.locator(VEGA).first.wait_for(state="visible", timeout=15_000)
    assert "dim=street" in page.url and "DROP" not in page.url
    assert external_requests == []


def test_choosing_a_dimension_updates_the_url(page, app_url, external_requests):
    open_page(page, f"{app_url}/explore?lang=en&period=2022Q2")
    page.get_by_label("Group by").first.click()
    with script_run(page):
        page.get_by_role("option", name="Risk level").click()
    expect(page).to_have_url(re.compile("dim=risk"))
    assert_no_exception(page)
    assert external_requests == []


def test_a_download_is_what_is_shown_and_is_logged(page, app_url, sample_db_url, external_requests):
    from sqlalchemy import text

    from data_access.engine import make_engine

    open_page(page, f"{app_url}/explore?lang=en&period=2022Q2&dataset=payments&dim=year")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert content == ["Year,Person-times", "2022,556"]
    engine = make_engine(sample_db_url)
    with engine.connect() as conn:
        logged = conn.execute(text("SELECT target, detail FROM audit_log WHERE action = 'export' "
                                   "AND target LIKE 'explore-payments-year-count-2022Q2'")).all()
    engine.dispose()
    assert logged and '"rows": 1' in logged[-1].detail
    assert external_requests == []
