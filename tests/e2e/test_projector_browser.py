"""The default overview and meeting mode of a sample built as of a day inside a running quarter, on
projector-sized screens in both languages: no button or link is clipped and no rate reads 0.0%."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from data_access.engine import make_engine
from sample_data import build_database
from tests.e2e.conftest import running_app
from tests.e2e.test_browser import SCREENSHOTS, assert_no_exception, open_page

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1920, 1080)]
SCREENS = ("network", "cases", "subsidies", "gaps")

# Every button and page link in the main area whose label is wider than the label's box, or whose box
# sticks out of the column it sits in; every figure's label cut short.
CLIPPED = """
() => {
  const main = document.querySelector("[data-testid='stMain']");
  const found = [];
  for (const el of main.querySelectorAll("button, [data-testid='stPageLink-NavLink']")) {
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    const column = el.closest("[data-testid='stColumn']") || main;
    const outer = column.getBoundingClientRect();
    const label = el.querySelector("p") || el;
    if (label.scrollWidth > label.clientWidth + 1 || box.right > outer.right + 1 || box.left < outer.left - 1) {
      found.push(el.innerText.trim());
    }
  }
  for (const el of main.querySelectorAll("[data-testid='stMetricLabel'] p")) {
    if (el.scrollWidth > el.clientWidth + 1) found.push(el.innerText.trim());
  }
  return found;
}
"""


@pytest.fixture(scope="module")
def running_quarter_app(chromium_path, tmp_path_factory):
    directory = tmp_path_factory.mktemp("projector-db")
    engine = make_engine(f"sqlite:///{directory / 'dashboard.db'}")
    build_database(engine, as_of=datetime(2026, 11, 28, 18))
    engine.dispose()
    with running_app(f"sqlite:///{directory / 'dashboard.db'}", directory / "server.log") as base:
        yield base


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width, height", SIZES)
def test_nothing_is_clipped_on_a_projector(page, running_quarter_app, external_requests, lang, width, height):
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    views = [("overview", f"/?lang={lang}")] + [(f"meeting-{s}", f"/?lang={lang}&mode=meeting&screen={s}")
                                                for s in SCREENS]
    for name, path in views:
        open_page(page, running_quarter_app + path)
        assert_no_exception(page)
        page.wait_for_timeout(500)
        page.screenshot(path=SCREENSHOTS / f"projector-{name}-{width}x{height}-{lang}.png")
        assert page.evaluate(CLIPPED) == [], (name, width, lang)
        shown = page.locator("[data-testid='stMain']").inner_text()
        assert not re.search(r"(?<![\d.])0\.0%", shown), name
        assert ("截至目前" if lang == "zh" else "(to date)") in shown, name
