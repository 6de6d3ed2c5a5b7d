"""The intranet has no internet: every page renders completely with only localhost reachable.

Every request to another host is aborted and recorded (see the `new_page` fixture); a page that
tried to load a font, a script, a map tile or telemetry from outside fails here.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.browser import READY
from catalogue.i18n import t
from tests.harness import assert_no_exception, open_page, script_run

pytestmark = pytest.mark.e2e

TITLES = {
    "/": "overview.title",
    "/map": "map.title",
    "/cases": "cases.title",
    "/subsidies": "subsidies.title",
    "/explore": "explore.title",
    "/data": "data.title",
}


def assert_rendered(page, title: str) -> None:
    assert page.locator(READY).count() == 1, f"{page.url}: the script is still running"
    assert_no_exception(page)
    heading = page.locator("[data-testid='stMain'] h1").first
    expect(heading).to_have_text(title, timeout=15_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_without_any_external_request(page, app_url, external_requests, lang):
    for path, title_key in TITLES.items():
        open_page(page, f"{app_url}{path}?lang={lang}&period=2022Q2")
        assert_rendered(page, t(title_key, lang))
        assert external_requests == [], f"{path} asked for {external_requests}"


def test_admin_page_renders_offline(page, app_url, external_requests):
    """In demo mode the role picker reaches the administrator's page."""
    open_page(page, f"{app_url}/?lang=en")
    picker = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text=t("auth.demo_role", "en"))
    picker.click()
    with script_run(page):
        page.get_by_role("option", name="Administrator", exact=True).click()
    with script_run(page):
        page.locator("[data-testid='stSidebarNav'] a[href*='admin']").click()
    page.wait_for_url("**/admin**", timeout=30_000)

    assert_rendered(page, t("admin.title", "en"))
    page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=15_000)
    assert external_requests == [], f"/admin asked for {external_requests}"


def test_the_benchmark_floor_page_exists_only_for_the_benchmark(page, app_url, external_requests):
    """Without DASHBOARD_BENCH=1 the empty page is not served: its address opens the overview."""
    open_page(page, f"{app_url}/bench-empty?lang=en")
    assert_rendered(page, t("overview.title", "en"))
    assert page.locator("[data-testid='stSidebarNav'] a[href*='bench']").count() == 0
    assert external_requests == []
