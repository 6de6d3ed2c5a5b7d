"""The app in a real browser: every page in both languages, URL state, no external requests."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT

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
    "/data": ("data", ["[data-testid='stDataFrame']"]),
}


def open_page(page, url: str, settle: float = 1.5) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(settle * 1000)
    page.wait_for_selector(READY, timeout=60_000)


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    return metric.locator("[data-testid='stMetricValue']").first.inner_text().strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders(page, app_url, external_requests, path, lang):
    name, selectors = PAGES[path]
    open_page(page, f"{app_url}{path}?lang={lang}&period=2022Q2")

    assert page.locator("[data-testid='stException']").count() == 0
    for selector in selectors:
        assert page.locator(selector).first.is_visible(), f"{selector} missing on {path} ({lang})"
    assert page.get_by_text(BADGE[lang], exact=True).first.is_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / f"{name}-{lang}.png")
    assert external_requests == []


def test_figures_match_sample_data(page, app_url, external_requests):
    open_page(page, f"{app_url}/subsidies?period=2022Q2")
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "556" in text
    assert "641,800.00" in text

    open_page(page, f"{app_url}/?period=2022Q2")
    assert metric_value(page, "街道未保工作站") == "10"
    assert metric_value(page, "儿童主任") == "92"
    assert external_requests == []


def test_bad_url_values_fall_back_with_a_warning(page, app_url, external_requests):
    open_page(page, f"{app_url}/?street=atlantis&period=2099Q9")

    assert page.locator("[data-testid='stException']").count() == 0
    warnings = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert any("atlantis" in w for w in warnings), warnings
    assert any("2099Q9" in w for w in warnings), warnings
    assert "atlantis" not in page.url
    assert "2099Q9" not in page.url
    assert external_requests == []


def test_navigation_keeps_the_period(page, app_url, external_requests):
    open_page(page, f"{app_url}/?period=2022Q1")
    page.locator("[data-testid='stSidebarNav'] a[href*='cases']").click()
    page.wait_for_url("**/cases**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(1000)

    assert "period=2022Q1" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    assert external_requests == []
