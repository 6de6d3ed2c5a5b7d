"""In a real browser: the language switch back and forth on every page, and hostile values (in the URL
and in the database) shown as text, never as a link or an image."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from data_access import users
from data_access.engine import make_engine
from data_access.types import Period
from tests.harness import (PASSWORD, SCREENSHOTS, assert_no_exception, open_page, running_app, sample_database,
                           script_run, wait_ready)

pytestmark = pytest.mark.e2e

PATHS = ["/", "/map", "/cases", "/subsidies", "/explore", "/data"]
HOSTILE_PARAMS = {
    "street": "http://evil.invalid/login",
    "period": "[x](http://evil.invalid/)",
    "lang": "www.evil.invalid",
}
EVIL_MARKUP = "a[href*='evil'], img[src*='evil'], [data-testid='stMain'] b"


def switch_language(page, name: str) -> None:
    with script_run(page):
        page.locator("[data-testid='stSidebar']").get_by_role("radio", name=name, exact=True).click()


def url_period(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("period", [None])[0]


@pytest.mark.parametrize("path", PATHS)
def test_the_language_switch_back_and_forth(page, app_url, path):
    open_page(page, f"{app_url}{path}?period=2022Q1")
    for name in ("English", "中文", "English", "中文"):
        switch_language(page, name)
        assert_no_exception(page)
        period = url_period(page)
        assert period == "2022Q1", f"{path} after {name}: period={period!r}"
        Period.parse(period)
    expect(page.get_by_text("2022年第一季度").first).to_be_visible()


@pytest.mark.parametrize("path", PATHS)
def test_a_hostile_url_parameter_shows_a_notice_without_a_link(page, app_url, external_requests, path):
    for name, value in HOSTILE_PARAMS.items():
        open_page(page, f"{app_url}{path}?{name}={quote(value, safe='')}")
        assert_no_exception(page)
        notices = page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
        assert any(value in notice.replace("\u2060", "") for notice in notices), (path, name, notices)
        assert page.locator(EVIL_MARKUP).count() == 0, page.locator(EVIL_MARKUP).first.evaluate("e => e.outerHTML")
    if path == "/cases":
        page.screenshot(path=SCREENSHOTS / "hostile-url-notice.png")
    assert external_requests == []


@pytest.fixture(scope="module")
def hostile_server(chromium_path, tmp_path_factory):
    """The sample with a link, an image and a bare address as names of staff, children and streets."""
    url = sample_database(tmp_path_factory.mktemp("hostile-db"))
    with make_engine(url).begin() as conn:
        conn.execute(text("UPDATE staff SET name = '![i](http://evil.invalid/p.png)' WHERE role = 'supervisor'"))
        conn.execute(text("UPDATE staff SET name = '[x](http://evil.invalid/)' WHERE role <> 'supervisor'"))
        conn.execute(text("UPDATE children SET name = 'http://evil.invalid/login', address = 'www.evil.invalid'"))
        conn.execute(text("UPDATE communities SET name_zh = '<b>evil</b>' || id, name_en = 'evil@evil.invalid'"))
    with running_app(url, tmp_path_factory.mktemp("hostile-log") / "server.log") as base:
        yield base, url


def test_hostile_names_in_the_database_stay_text(new_page, hostile_server, external_requests):
    base, url = hostile_server
    with make_engine(url).connect() as conn:
        case_no = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'fubao' AND assigned_staff_id "
                                    "IS NOT NULL ORDER BY id LIMIT 1")).scalar_one()
    page = new_page()
    for address in (f"{base}/cases?street=fubao&case={case_no}", f"{base}/map?street=fubao",
                    f"{base}/?mode=meeting&screen=gaps", f"{base}/explore?dataset=staff&dim=community"):
        open_page(page, address)
        assert_no_exception(page)
        assert page.locator(EVIL_MARKUP).count() == 0, (address, page.locator(EVIL_MARKUP).first.evaluate(
            "e => e.outerHTML"))
        if "/cases" in address:
            main = page.locator("[data-testid='stMain']").inner_text().replace("\u2060", "")
            assert "[x](http://evil.invalid/)" in main  # the holder's name, character for character
            page.screenshot(path=SCREENSHOTS / "hostile-case.png", full_page=True)
    assert external_requests == []


def test_the_table_toolbar_keeps_search_and_full_screen_but_no_download(page, app_url):
    open_page(page, f"{app_url}/cases?lang=en")
    table = page.locator("[data-testid='stDataFrame']").first
    table.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for(state="visible", timeout=15_000)
    labels = [button.get_attribute("aria-label") or button.inner_text()
              for button in toolbar.locator("button").all()]
    assert any("Search" in label for label in labels), labels
    assert any("screen" in label.lower() for label in labels), labels
    assert not any("Download" in label for label in labels), labels


@pytest.fixture(scope="module")
def sign_in_server(chromium_path, tmp_path_factory):
    url = sample_database(tmp_path_factory.mktemp("deep-link-db"))
    users.add_user(make_engine(url), "li.fubao", "supervisor", PASSWORD, "fubao")  # an account ends demo mode
    with running_app(url, tmp_path_factory.mktemp("deep-link-log") / "server.log", demo=False) as base:
        yield base


@pytest.mark.parametrize("path", ["/admin", "/cases"])
def test_a_pasted_link_before_sign_in_shows_the_sign_in_form_cleanly(new_page, sign_in_server, path):
    page = new_page()
    open_page(page, f"{sign_in_server}{path}?lang=en")
    page.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
    assert page.locator("[role='dialog']").count() == 0, page.locator("[role='dialog']").first.inner_text()
    assert_no_exception(page)
    if path == "/admin":
        page.screenshot(path=SCREENSHOTS / "deep-link-admin-signed-out.png")


def test_the_rejected_rows_download_is_audited_and_formula_safe(new_page, import_server, tmp_path):
    from data_access import audit
    from tests.files import child, children_file, fake_id

    base, url = import_server
    good = child("FT91000091", 身份证号=fake_id("2012-07-08", "091"), 出生日期="2012-07-08")
    bad = child("FT91000092", 身份证号=fake_id("2012-07-08", "092"), 出生日期="2012-07-08", 社区="园东",
                住址='=HYPERLINK("http://evil.invalid","x")')
    path = tmp_path / "children.csv"
    path.write_bytes(children_file(good, bad))
    page = new_page()
    open_page(page, f"{base}/data?lang=en")
    page.get_by_role("textbox", name="Username").fill("wu.admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("skip the bad rows").wait_for(timeout=60_000)
    wait_ready(page)
    with script_run(page):
        page.get_by_text("skip the bad rows").click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_role("button", name="Write to the database").wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name="Write to the database").click()
    button = page.get_by_role("button", name="Download the rejected rows (CSV)")
    button.wait_for(timeout=30_000)
    wait_ready(page)
    with page.expect_download(timeout=30_000) as download:
        button.click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert "'=HYPERLINK" in content and "\n=HYPERLINK" not in content and ",=HYPERLINK" not in content
    log = audit.search(make_engine(url), action="export")
    assert "import rejects" in set(log["target"]), log


def test_charts_and_maps_offer_no_data_download(page, app_url):
    """Charts hold aggregates only, as shown: their image and spec may be taken, their rows never as a file."""
    open_page(page, f"{app_url}/subsidies?lang=en")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(state="visible", timeout=15_000)
    assert page.locator(".vega-actions, .vega-embed details").count() == 0  # Vega's own export menu
    chart.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for(state="visible", timeout=15_000)
    labels = [button.get_attribute("aria-label") or button.inner_text() for button in toolbar.locator("button").all()]
    assert "Show data" in labels and not any("CSV" in label for label in labels), labels
    toolbar.get_by_role("button", name="Show data").click()
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(state="visible", timeout=15_000)
    table.hover()
    labels = [button.get_attribute("aria-label") or button.inner_text()
              for button in page.locator("[data-testid='stElementToolbar']").first.locator("button").all()]
    assert not any("Download" in label for label in labels), labels

    open_page(page, f"{app_url}/map?lang=en")
    page.locator("[data-testid='stDeckGlJsonChart']").first.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for(state="visible", timeout=15_000)
    labels = [button.get_attribute("aria-label") or button.inner_text() for button in toolbar.locator("button").all()]
    assert not any("Download" in label for label in labels), labels
