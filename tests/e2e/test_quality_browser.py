"""The data-quality panel in a real browser: cards, a check opened from its card and bound to the URL."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from bench.browser import READY
from catalogue.i18n import label, t
from data_access import audit
from data_access.engine import make_engine
from tests.harness import SCREENSHOTS, assert_no_exception, metric_of, open_page, script_run

pytestmark = pytest.mark.e2e


def view_as(page, role: str, lang: str) -> None:
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text=t("auth.demo_role", lang)).click()
    with script_run(page):
        page.get_by_role("option", name=label("role", role, lang)).click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_opening_a_check_from_its_card(page, app_url, sample_db_url, external_requests, lang):
    page.set_viewport_size({"width": 1400, "height": 1700})
    open_page(page, f"{app_url}/data?period=2022Q2&lang={lang}")
    assert_no_exception(page)
    expect(metric_of(page, t("quality.check.no_holder", lang))).to_have_text("0")
    expect(page.get_by_text(t("quality.none", lang)).first).to_be_visible()
    expect(metric_of(page, t("quality.check.no_contact", lang))).to_have_text("14")

    view_as(page, "analyst", lang)
    card = page.locator("[data-testid='stVerticalBlockBorderWrapper'], [data-testid='stVerticalBlock']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=t("quality.check.no_contact", lang))).last
    with script_run(page):
        card.get_by_role("button", name=t("quality.show", lang)).click()
    page.wait_for_url("**check=no_contact**", timeout=30_000)

    assert_no_exception(page)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(state="visible", timeout=15_000)
    header = table.locator("[role='columnheader']").filter(has_text=t("quality.col.days_without", lang))
    expect(header.first).to_be_attached()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"data-quality-{lang}.png", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name=t("export.csv", lang)).click()
    assert info.value.suggested_filename == "data-quality-no_contact-20220630.csv"
    rows = list(csv.reader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
    assert rows[0][-1] == t("quality.col.days_without", lang) and len(rows) == 1 + 14
    page.wait_for_selector(READY, timeout=60_000)
    exports = audit.search(make_engine(sample_db_url), action="export")
    assert "data-quality-no_contact-20220630" in set(exports["target"])
    assert external_requests == []
