"""The subsidy page in a real browser: brushing the trend narrows the tables below."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.harness import SCREENSHOTS, assert_no_exception, open_page, script_run

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brushing_the_trend_filters_the_reconciliation(page, app_url, external_requests, lang):
    page.set_viewport_size({"width": 1400, "height": 3400})
    open_page(page, f"{app_url}/subsidies?period=2022Q2&lang={lang}")
    assert_no_exception(page)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.scroll_into_view_if_needed()
    box = chart.locator("canvas, svg").first.bounding_box()
    # The x axis runs from 2021-01 to 2022-06: drag across the last two months.
    y = box["y"] + box["height"] * 0.4
    with script_run(page):
        page.mouse.move(box["x"] + box["width"] * 0.915, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.995, y, steps=8)
        page.mouse.up()

    assert_no_exception(page)
    notice = "下方表格只显示图上选取的 2022-05 至 2022-06" if lang == "zh" else "picked on the chart: 2022-05 to 2022-06"
    expect(page.get_by_text(notice).first).to_be_visible()
    tabs = page.get_by_role("tab").all_inner_texts()
    assert len(tabs) == 5
    page.screenshot(path=SCREENSHOTS / f"subsidies-brushed-{lang}.png")
    assert external_requests == []
