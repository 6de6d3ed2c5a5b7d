"""The data-quality panel in a real browser: cards, a check opened from its card and bound to the URL."""

from __future__ import annotations

import csv
import io

import pytest

from catalogue.i18n import label, t
from data_access import audit
from data_access.engine import make_engine
from tests.e2e.test_browser import READY, SCREENSHOTS, assert_no_exception, metric_value, open_page

pytestmark = pytest.mark.e2e


def view_as(page, role: str, lang: str) -> None:
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text=t("auth.demo_role", lang)).click()
    page.get_by_role("option", name=label("role", role, lang)).click()
    page.wait_for_timeout(1000)
    page.wait_for_selector(READY, timeout=60_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_opening_a_check_from_its_card(page, app_url, sample_db_url, external_requests, lang):
    page.set_viewport_size({"width": 1400, "height": 1700})
    open_page(page, f"{app_url}/data?period=2022Q2&lang={lang}")
    assert_no_exception(page)
    assert metric_value(page, t("quality.check.no_holder", lang)) == "0"
    assert page.get_by_text(t("quality.none", lang)).first.is_visible()
    assert metric_value(page, t("quality.check.no_contact", lang)) == "14"

    view_as(page, "analyst", lang)
    card = page.locator("[data-testid='stVerticalBlockBorderWrapper'], [data-testid='stVerticalBlock']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=t("quality.check.no_contact", lang))).last
    card.get_by_role("button", name=t("quality.show", lang)).click()
    page.wait_for_url("**check=no_contact**", timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(1000)

    assert_no_exception(page)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(state="visible", timeout=15_000)
    assert t("quality.col.days_without", lang) in " ".join(table.locator("[role='columnheader']").all_inner_texts())
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
