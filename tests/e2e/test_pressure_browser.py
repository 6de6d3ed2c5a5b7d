"""From the overview's street under most pressure to its case queue and its map, in the same tab and
one click each, in the Chinese interface."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import pytest
from playwright.sync_api import expect

from bench.browser import READY
from data_access import overview
from data_access.engine import make_engine
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope
from sample_data import DEFAULT_AS_OF
from tests.harness import SCREENSHOTS, assert_no_exception, open_page

pytestmark = pytest.mark.e2e


def top_street(db_url: str):
    engine = make_engine(db_url)
    ranked = overview.street_pressure(engine, Scope.district(), Filters(Period.parse("2022Q2")), DEFAULT_AS_OF,
                                      load_rules())
    engine.dispose()
    return ranked.iloc[0]


def params_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlparse(url).query, keep_blank_values=True))


def open_overview(page, app_url: str) -> None:
    open_page(page, f"{app_url}/?period=2022Q2")
    page.get_by_text("各街道个案压力").wait_for(timeout=30_000)


def test_the_top_street_opens_its_queue_and_its_map_in_the_same_tab(page, app_url, sample_db_url,
                                                                      external_requests):
    top = top_street(sample_db_url)
    page.set_viewport_size({"width": 1400, "height": 1400})
    open_overview(page, app_url)
    assert_no_exception(page)
    clicks = 0

    queue_link = page.get_by_role("link", name="队列", exact=True).first
    queue_link.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "overview-pressure-zh.png")
    queue_link.click()
    clicks += 1
    page.wait_for_url("**/cases?**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text(f"共 {top['open_cases']} 件").first.wait_for(timeout=30_000)
    assert len(page.context.pages) == 1, "the queue opened in another tab"
    queue = params_of(page.url)
    assert queue["street"] == top["street_id"] and queue["period"] == "2022Q2"
    assert "" not in queue.values(), page.url
    assert_no_exception(page)
    expect(page.locator("[data-testid='stMain']")).to_contain_text(f"范围：{top['street_zh']}")

    open_overview(page, app_url)
    map_link = page.get_by_role("link", name="地图", exact=True).first
    # The first row's link, once the page has drawn the ranking (a busy machine can still be drawing it).
    expect(map_link).to_have_attribute("href", re.compile(rf"street={top['street_id']}(&|$)"), timeout=30_000)
    map_link.scroll_into_view_if_needed()
    map_link.click()
    clicks += 1
    page.wait_for_url("**/map?**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(state="visible", timeout=45_000)
    page.get_by_text(f"覆盖情况 · {top['street_zh']}").first.wait_for(timeout=30_000)
    assert len(page.context.pages) == 1, "the map opened in another tab"
    shown = params_of(page.url)
    assert shown["street"] == top["street_id"] and "" not in shown.values(), page.url
    assert_no_exception(page)
    page.screenshot(path=SCREENSHOTS / "map-from-overview-zh.png")
    assert clicks == 2
    assert external_requests == []


def test_the_flags_filter_on_explore_speaks_chinese_and_narrows_the_chart(page, app_url, sample_db_url,
                                                                          external_requests):
    from sqlalchemy import text

    engine = make_engine(sample_db_url)
    period = Period.parse("2022Q2")
    with engine.connect() as conn:
        flagged = conn.execute(text("SELECT COUNT(*) FROM cases WHERE flag_self_harm = 1 AND reported_at >= :start "
                                    "AND reported_at < :end"), {"start": period.start, "end": period.end}).scalar()
    engine.dispose()
    page.set_viewport_size({"width": 1400, "height": 1800})
    open_page(page, f"{app_url}/explore?period=2022Q2&dataset=cases&dim=risk")
    page.get_by_text("数据集筛选").click()
    page.get_by_role("button", name="自伤念头").click()
    page.wait_for_url("**flags=self_harm**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(state="visible", timeout=30_000)
    assert_no_exception(page)
    main = page.locator("[data-testid='stMain']").inner_text()
    for english in ("Select all", "No results", "Clear all", "Choose an option"):
        assert english not in main
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']")
    cells.first.wait_for(state="attached", timeout=30_000)

    def table() -> dict[str, int]:
        texts = cells.all_inner_texts()
        return {level: int(count.replace(",", "")) for level, count in zip(texts[0::2], texts[1::2])}

    # The grid keeps the unfiltered rows until the rerun's table replaces them: poll its cells, which
    # no Playwright assertion can read.
    for _ in range(120):
        by_level = table()
        if sum(by_level.values()) == flagged:
            break
        page.wait_for_timeout(250)
    counts = list(by_level.values())
    assert set(by_level) <= {"一级·红", "二级·橙", "三级·黄", "四级·蓝"}
    assert counts == sorted(counts, reverse=True)  # the table lists the rows in the chart's order: by value
    assert flagged > 0 and sum(counts) == flagged
    page.screenshot(path=SCREENSHOTS / "explore-flags-zh.png", full_page=True)


def test_a_clean_link_does_not_inherit_filters_from_an_earlier_visit(page, app_url, external_requests):
    def total() -> str:
        caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text="共 ").first
        caption.wait_for(timeout=30_000)
        return caption.inner_text().split("·")[0].strip()

    open_page(page, f"{app_url}/cases?period=2022Q2&risk=critical&due=overdue")
    narrowed = total()
    page.get_by_role("link", name="总览").first.click()
    page.get_by_text("各街道个案压力").wait_for(timeout=30_000)
    link = page.get_by_role("link", name="个案队列", exact=True).first
    assert "risk" not in link.get_attribute("href") and "due" not in link.get_attribute("href")
    link.click()
    page.wait_for_url("**/cases?**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text("共 108 件").first.wait_for(timeout=30_000)
    assert narrowed != total() == "共 108 件"
    assert external_requests == []
