"""The default overview and meeting mode of a sample built as of a day inside a running quarter, on
projector-sized screens in both languages: no button, link or figure is clipped, no rate reads 0.0%, and
each meeting screen leads with its one figure, large and first, with its comparisons in words."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from data_access.engine import make_engine
from sample_data import build_database
from tests.harness import SCREENSHOTS, assert_no_exception, open_page, running_app

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1920, 1080)]
SCREENS = ("network", "cases", "subsidies", "gaps")
# Each screen's lead figure, by language.
LEADS = {"network": ("本年参训率", "Trained this year"), "cases": ("首次响应及时率", "First response within limit"),
         "subsidies": ("发放金额（万元）", "Amount paid (yuan)"), "gaps": ("逾期个案", "Overdue cases")}

# The lead: its box, where it starts against every other figure and the page's other blocks below the
# navigation, its value's size against the other figures', and its comparisons' text.
LEAD = """
() => {
  const lead = document.querySelector(".st-key-meeting-lead");
  if (!lead) return null;
  const box = lead.getBoundingClientRect();
  const value = lead.querySelector("[data-testid='stMetricValue']");
  const others = [...document.querySelectorAll("[data-testid='stMetric']")].filter(m => !lead.contains(m));
  const size = el => parseFloat(getComputedStyle(el.querySelector("div") || el).fontSize);
  return {
    top: box.top, bottom: box.bottom, height: window.innerHeight,
    label: lead.querySelector("[data-testid='stMetricLabel']").innerText.trim(),
    value: value.innerText.trim(), size: size(value),
    others_top: Math.min(...others.map(m => m.getBoundingClientRect().top), 1e9),
    others_size: Math.max(...others.map(m => size(m.querySelector("[data-testid='stMetricValue']"))), 0),
    compare: lead.querySelector(".st-key-meeting-compare").innerText,
  };
}
"""

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
  if (new URLSearchParams(window.location.search).has("mode")) {
    for (const el of main.querySelectorAll("[data-testid='stMetricValue'] div")) {
      if (el.scrollWidth > el.clientWidth + 1) found.push(el.innerText.trim());
    }
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
        page.wait_for_timeout(500)  # the charts size themselves to the page once drawn; nothing marks when they are done
        page.screenshot(path=SCREENSHOTS / f"projector-{name}-{width}x{height}-{lang}.png")
        assert page.evaluate(CLIPPED) == [], (name, width, lang)
        shown = page.locator("[data-testid='stMain']").inner_text()
        assert not re.search(r"(?<![\d.])0\.0%", shown), name
        assert ("截至目前" if lang == "zh" else "(to date)") in shown, name
        if name.startswith("meeting-"):
            check_lead(page, name.removeprefix("meeting-"), lang)


def check_lead(page, screen: str, lang: str) -> None:
    """The screen's lead figure comes first, on the first screenful, larger than any other figure, with a
    comparison against the previous period and one against the same period last year, each with its arrow."""
    lead = page.evaluate(LEAD)
    assert lead, screen
    assert lead["label"] == LEADS[screen][lang == "en"], (screen, lead["label"])
    assert re.search(r"\d", lead["value"]), (screen, lead["value"])
    assert lead["bottom"] <= lead["height"], (screen, "the lead is below the first screenful")
    assert lead["top"] < lead["others_top"], screen
    assert lead["size"] > 1.4 * lead["others_size"], (screen, lead["size"], lead["others_size"])
    lines = [line for line in lead["compare"].splitlines() if ("较" if lang == "zh" else "against") in line]
    year = ("较去年同期", "较上年同日") if lang == "zh" else ("last year",)
    assert any(any(y in line for y in year) for line in lines), (screen, lines)
    if screen != "network":  # trained this year is compared with the same day a year before only
        assert len(lines) == 2 and not any(y in lines[0] for y in year), (screen, lines)
    for line in lines:
        change = re.search(r"([↑↓→])\s*([+-]?)[\d.,]+", line)
        assert change, (screen, line)
        assert {"↑": "+", "↓": "-", "→": ""}[change.group(1)] == change.group(2), (screen, line)
