"""The coverage map in a real browser with every request to another host blocked: it draws, explains
itself, shows tooltips and opens a street's panel on a click."""

from __future__ import annotations

import io
import re
import time

import pytest
from playwright.sync_api import expect
from PIL import Image

from bench.browser import READY
from tests.harness import SCREENSHOTS, assert_no_exception, open_page

pytestmark = pytest.mark.e2e

MAP = "[data-testid='stDeckGlJsonChart']"
ALL_LAYERS = "streets,stations,rings,communities,orgs"
LEGEND = {
    "zh": ["区未成年人保护服务中心", "街道未保工作站", "街道工作站周边 1.5 公里", "30 天内", "卫生心理咨询类"],
    "en": ["District service centre", "Street work station", "1.5 km around a street station", "Within 30 days",
           "Psychological counselling"],
}


def wait_for_map(page, timeout_s: float = 30) -> None:
    """Wait until the map's canvas shows a drawing, not a blank rectangle."""
    chart = page.locator(MAP).first
    chart.locator("canvas").first.wait_for(state="visible", timeout=45_000)
    deadline = time.monotonic() + timeout_s
    while True:
        image = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
        if len(image.getcolors(maxcolors=1 << 20) or []) > 200:
            return
        if time.monotonic() > deadline:
            pytest.fail("the map canvas stayed blank")
        page.wait_for_timeout(500)  # a canvas's drawing shows only in a screenshot: no locator can wait for it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_draws_every_layer_offline(page, app_url, external_requests, lang):
    open_page(page, f"{app_url}/map?lang={lang}&period=2022Q2&layers={ALL_LAYERS}")
    assert_no_exception(page)
    wait_for_map(page)

    main = page.locator("[data-testid='stMain']")
    for entry in [*LEGEND[lang], "95.7%"]:
        expect(main).to_contain_text(entry)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(500)  # the map clears and redraws at the new size; wait_for_map then sees the new drawing
    wait_for_map(page)
    page.screenshot(path=SCREENSHOTS / f"map-layers-{lang}.png")
    assert external_requests == []


def test_hovering_a_street_shows_its_tooltip_in_chinese(page, app_url, external_requests):
    open_page(page, f"{app_url}/map?period=2022Q2&layers=streets")
    wait_for_map(page)
    box = page.locator(MAP).first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert "在册困境儿童：" in text and "督导员：" in text and "{" not in text
    assert external_requests == []


def click_until_a_street_is_picked(page, attempts: int = 3) -> None:
    """Click the middle of the map; on a loaded machine deck.gl may not pick yet, so try again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator(MAP).first.bounding_box()
    for attempt in range(attempts):
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4)
        try:
            page.wait_for_url(re.compile(r"street=\w+"), timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def test_clicking_the_map_opens_that_streets_panel(page, app_url, external_requests):
    open_page(page, f"{app_url}/map?lang=en&period=2022Q2")
    wait_for_map(page)
    click_until_a_street_is_picked(page)
    page.wait_for_selector(READY, timeout=60_000)
    street = re.search(r"street=(\w+)", page.url).group(1)

    heading = page.get_by_role("heading", name=re.compile(r" Street$"))
    heading.wait_for(state="visible", timeout=15_000)
    link = page.get_by_role("link", name="Open this street's crisis-case queue")
    href = link.get_attribute("href")
    assert f"street={street}" in href and "period=2022Q2" in href and "lang=en" in href
    assert_no_exception(page)
    assert external_requests == []
