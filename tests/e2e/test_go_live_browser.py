"""The made-up second district in a real browser: initialised, imported, signed in, every page visited with
no exception and no request to any other host."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.browser import READY
from data_access import district, users
from data_access.engine import make_engine
from tests.files import CUIYU, drill_files, import_all
from tests.harness import PASSWORD, SCREENSHOTS, assert_no_exception, metric_of, open_page, running_app, script_run

pytestmark = pytest.mark.e2e
PAGES = ["/", "/map", "/cases", "/subsidies", "/explore", "/data", "/admin"]


@pytest.fixture(scope="module")
def cuiyu_server(chromium_path, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cuiyu-db') / 'cuiyu.db'}"
    engine = make_engine(url)
    assert district.init_database(engine, district.read_network(CUIYU)).ok
    users.add_user(engine, "admin", "admin", PASSWORD)
    import_all(engine, drill_files(engine))
    engine.dispose()
    with running_app(url, tmp_path_factory.mktemp("cuiyu-log") / "server.log", demo=False) as base:
        yield base


def test_every_page_of_the_second_district(new_page, cuiyu_server, external_requests):
    page = new_page()
    open_page(page, f"{cuiyu_server}/?lang=en&period=2022Q2")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("Cuiyu District Minor Protection Dashboard")
    page.get_by_role("textbox", name="Username").fill("admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert_no_exception(page)
    expect(metric_of(page, "Registered at period end")).to_have_text("12")
    assert "Synthetic sample data" not in page.locator("[data-testid='stMain']").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "cuiyu-overview-en.png", full_page=True)
    for path in PAGES[1:]:
        # Navigation inside the app keeps the session (a new page load would ask to sign in again).
        with script_run(page):
            page.locator(f"[data-testid='stSidebarNav'] a[href$='{path}']").first.click()
        assert_no_exception(page)
        assert page.get_by_role("button", name="Sign in").count() == 0, path
        page.screenshot(path=SCREENSHOTS / f"cuiyu{path.replace('/', '-')}-en.png", full_page=True)
    assert external_requests == []
