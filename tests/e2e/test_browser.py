"""The app in a real browser: every page in both languages, URL state, no external requests."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.browser import VEGA
from tests.harness import SCREENSHOTS, assert_no_exception, metric_of, open_page, running_app, script_run

pytestmark = pytest.mark.e2e

BADGE = {"zh": "合成示例数据", "en": "Synthetic sample data"}
PAGES = {
    "/": ("overview", ["[data-testid='stMetric']", VEGA]),
    "/map": ("map", ["[data-testid='stDeckGlJsonChart'] canvas", "[data-testid='stDataFrame']"]),
    "/cases": ("cases", ["[data-testid='stDataFrame']"]),
    "/subsidies": ("subsidies", ["[data-testid='stMetric']", VEGA, "[data-testid='stDataFrame']"]),
    "/explore": ("explore", ["[data-testid='stDataFrame']"]),
    # The demo's default role is leadership, who see where the data comes from but not the row counts.
    "/data": ("data", ["[data-testid='stMarkdown']"]),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders(page, app_url, external_requests, path, lang):
    name, selectors = PAGES[path]
    open_page(page, f"{app_url}{path}?lang={lang}&period=2022Q2")

    assert_no_exception(page)
    for selector in selectors:
        page.locator(selector).first.wait_for(state="visible", timeout=15_000)
    expect(page.get_by_text(BADGE[lang], exact=True).first).to_be_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(500)  # the charts redraw at the new size; nothing on the page says when they are done
    page.screenshot(path=SCREENSHOTS / f"{name}-{lang}.png")
    assert external_requests == []


def test_figures_match_sample_data(page, app_url, external_requests):
    open_page(page, f"{app_url}/subsidies?period=2022Q2")
    # The metrics' values arrive after their labels on a busy machine: wait for the text rather than read it once.
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text("556", timeout=15_000)
    expect(main).to_contain_text("641,800.00", timeout=15_000)

    open_page(page, f"{app_url}/?period=2022Q2")
    expect(metric_of(page, "街道未保工作站")).to_have_text("10")
    expect(metric_of(page, "社区儿童主任")).to_have_text("92")
    assert external_requests == []


def test_bad_url_values_fall_back_with_a_warning(page, app_url, external_requests):
    open_page(page, f"{app_url}/?street=atlantis&period=2099Q9")

    assert_no_exception(page)
    warnings = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert any("atlantis" in w for w in warnings), warnings
    assert any("2099Q9" in w for w in warnings), warnings
    assert "atlantis" not in page.url
    assert "2099Q9" not in page.url
    assert "period=2022Q2" in page.url
    assert external_requests == []


def test_navigation_keeps_the_period(page, app_url, external_requests):
    open_page(page, f"{app_url}/?period=2022Q1")
    with script_run(page):
        page.locator("[data-testid='stSidebarNav'] a[href*='cases']").click()
    page.wait_for_url("**/cases**", timeout=30_000)

    assert "period=2022Q1" in page.url
    assert_no_exception(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=15_000)
    assert external_requests == []


def test_deep_link_on_a_freshly_started_server(new_page, sample_db_url, tmp_path, external_requests):
    with running_app(sample_db_url, tmp_path / "server.log") as base:
        page = new_page()
        open_page(page, f"{base}/cases?period=2022Q2")

        assert_no_exception(page)
        page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=15_000)
    assert external_requests == []


def test_choosing_a_street_updates_the_url_and_the_figures(page, app_url, external_requests):
    open_page(page, f"{app_url}/?period=2022Q2&lang=en")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Street").click()
    page.get_by_role("option", name="Huaqiangbei").click()
    page.wait_for_url("**street=huaqiangbei**", timeout=30_000)

    expect(metric_of(page, "Street work stations")).to_have_text("1")
    expect(metric_of(page, "Community directors")).to_have_text("5")
    assert "period=2022Q2" in page.url
    assert external_requests == []
