"""The app in a real browser: every page in both languages, URL state, no external requests."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT, running_app

pytestmark = pytest.mark.e2e

READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
SCREENSHOTS = ROOT / "var" / "screenshots"
BADGE = {"zh": "合成示例数据", "en": "Synthetic sample data"}
VEGA = ".vega-embed, [data-testid='stVegaLiteChart']"
PAGES = {
    "/": ("overview", ["[data-testid='stMetric']", VEGA]),
    "/map": ("map", ["[data-testid='stDeckGlJsonChart'] canvas", "[data-testid='stDataFrame']"]),
    "/cases": ("cases", ["[data-testid='stDataFrame']"]),
    "/subsidies": ("subsidies", ["[data-testid='stMetric']", VEGA, "[data-testid='stDataFrame']"]),
    "/explore": ("explore", ["[data-testid='stDataFrame']"]),
    # The demo's default role is leadership, who see where the data comes from but not the row counts.
    "/data": ("data", ["[data-testid='stMarkdown']"]),
}


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(1500)
    page.wait_for_selector(READY, timeout=60_000)


def assert_no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']").all_inner_texts()
    assert errors == [], f"{page.url} shows an exception: {errors[0][:500]}"


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    return metric.locator("[data-testid='stMetricValue']").first.inner_text().strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders(page, app_url, external_requests, path, lang):
    name, selectors = PAGES[path]
    open_page(page, f"{app_url}{path}?lang={lang}&period=2022Q2")

    assert_no_exception(page)
    for selector in selectors:
        page.locator(selector).first.wait_for(state="visible", timeout=15_000)
    assert page.get_by_text(BADGE[lang], exact=True).first.is_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / f"{name}-{lang}.png")
    assert external_requests == []


def test_figures_match_sample_data(page, app_url, external_requests):
    open_page(page, f"{app_url}/subsidies?period=2022Q2")
    page.locator("[data-testid='stMetric']").first.wait_for(state="visible", timeout=15_000)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "556" in text
    assert "641,800.00" in text

    open_page(page, f"{app_url}/?period=2022Q2")
    assert metric_value(page, "街道未保工作站") == "10"
    assert metric_value(page, "社区儿童主任") == "92"
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
    page.locator("[data-testid='stSidebarNav'] a[href*='cases']").click()
    page.wait_for_url("**/cases**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(1000)

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
    page.wait_for_selector(READY, timeout=60_000)

    assert metric_value(page, "Street work stations") == "1"
    assert metric_value(page, "Community directors") == "5"
    assert "period=2022Q2" in page.url
    assert external_requests == []
