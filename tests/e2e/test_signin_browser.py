"""Signing in through the form on a database that is not the bundled sample, and staying signed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.browser import READY
from data_access import audit, users
from data_access.engine import make_engine
from tests.harness import (PASSWORD, SCREENSHOTS, assert_no_exception, metric_value, open_page, running_app,
                           sample_database)

pytestmark = pytest.mark.e2e
FORM = "form[action='/sign-in']"
COOKIE = "dashboard_session"
IDLE_SECONDS = 15


def server(tmp_path_factory, name: str, **settings: str):
    url = sample_database(tmp_path_factory.mktemp(f"{name}-db"))
    users.add_user(make_engine(url), "li.fubao", "supervisor", PASSWORD, "fubao")
    return url, running_app(url, tmp_path_factory.mktemp(f"{name}-log") / "server.log", demo=False,
                            settings={"DASHBOARD_DATA_DIR": str(tmp_path_factory.mktemp(f"{name}-data")), **settings})


@pytest.fixture(scope="module")
def signed_in_server(chromium_path, tmp_path_factory):
    url, app = server(tmp_path_factory, "signin")
    with app as base:
        yield base, url


def sign_in(page, password: str, outcome: str) -> None:
    """Fill in the form and wait until ``outcome`` (a selector) shows."""
    page.get_by_role("textbox", name="Username").fill("li.fubao")
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(outcome, timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)


def nav_link(page, name: str):
    return page.locator("[data-testid='stSidebarNavLink']", has_text=name)


def signed_in_page(new_page, base: str, path: str = "/?lang=en"):
    page = new_page()
    open_page(page, f"{base}{path}")
    sign_in(page, PASSWORD, "[data-testid='stMetric'], [data-testid='stDataFrame']")
    return page


def test_sign_in_then_reload_and_open_a_link_in_a_new_tab(new_page, signed_in_server, external_requests):
    base, url = signed_in_server
    page = new_page()
    open_page(page, f"{base}/cases?lang=en&street=fubao")
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert page.get_by_text("DEMO").count() == 0
    page.screenshot(path=SCREENSHOTS / "sign-in-en.png")

    sign_in(page, "wrong password!", "text=The username or password is not right.")
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert "signin=" not in page.url

    # Back to the page the form was on, with its query.
    sign_in(page, PASSWORD, "[data-testid='stDataFrame']")
    assert_no_exception(page)
    assert page.url.startswith(f"{base}/cases?lang=en&street=fubao")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("Scope: Fubao")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
    assert page.evaluate("document.cookie").find(COOKIE) == -1

    page.reload()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    assert page.locator(FORM).count() == 0

    # A link opened in a new tab: another street in the URL still gets the supervisor's own street only.
    tab = page.context.new_page()
    open_page(tab, f"{base}/?lang=en&street=futian")
    tab.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    assert_no_exception(tab)
    assert tab.locator(FORM).count() == 0
    assert metric_value(tab, "Street work stations") == "1"
    tab.screenshot(path=SCREENSHOTS / "signed-in-new-tab-en.png")

    # A link followed from another site (say the intranet's chat): SameSite=Strict keeps the cookie off that first
    # request, but the page's own websocket carries it, and that is where the viewer is recognised.
    chat = page.context.new_page()
    chat.route("http://chat.example/**", lambda route: route.fulfill(
        content_type="text/html", body=f'<a id="go" href="{base}/cases?lang=en&street=fubao">case queue</a>'))
    chat.goto("http://chat.example/room")
    chat.click("#go")
    chat.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    assert chat.locator(FORM).count() == 0

    log = audit.search(make_engine(url), username="li.fubao")
    assert list(log["action"]).count("sign_in") == 1
    assert PASSWORD not in log.to_string()
    assert external_requests == []


def test_signing_out_in_one_tab_ends_the_other_at_its_next_click(new_page, signed_in_server):
    base, _ = signed_in_server
    first = signed_in_page(new_page, base)
    second = first.context.new_page()
    open_page(second, f"{base}/subsidies?lang=en")
    second.wait_for_selector("[data-testid='stMetric']", timeout=60_000)

    first.get_by_role("button", name="Sign out").click()
    first.wait_for_selector(FORM, timeout=60_000)
    assert first.get_by_text("You are signed out. Please sign in again.").count() == 1

    nav_link(second, "Overview").click()  # any interaction runs the script again
    second.wait_for_selector(FORM, timeout=60_000)
    assert second.locator("[data-testid='stMetric']").count() == 0
    second.reload()
    second.wait_for_selector(FORM, timeout=60_000)
    assert_no_exception(second)


def test_a_tampered_cookie_gets_the_sign_in_screen(new_page, signed_in_server):
    base, _ = signed_in_server
    page = signed_in_page(new_page, base)
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    token, stamp, signature = cookie["value"].split(".")
    forged = {**cookie, "value": f"{token[:-2]}xx.{stamp}.{signature}"}
    page.context.clear_cookies()
    page.context.add_cookies([forged])
    open_page(page, f"{base}/?lang=en")
    page.wait_for_selector(FORM, timeout=60_000)
    assert_no_exception(page)
    assert page.locator("[data-testid='stAlert']").count() == 0


def test_an_idle_viewer_is_signed_out(new_page, chromium_path, tmp_path_factory):
    _, app = server(tmp_path_factory, "idle", DASHBOARD_IDLE_MINUTES=str(IDLE_SECONDS / 60))
    with app as base:
        page = new_page()
        open_page(page, f"{base}/?lang=en")  # a warm server, so the sign-in is not slower than the timeout
        sign_in(page, PASSWORD, "[data-testid='stMetric']")
        page.wait_for_timeout((IDLE_SECONDS + 3) * 1000)  # the viewer does nothing for longer than the idle limit
        nav_link(page, "Subsidies").click()
        page.wait_for_selector(FORM, timeout=60_000)
        assert page.get_by_text("You were signed out after 0.25 minutes without activity").count() == 1
        page.screenshot(path=SCREENSHOTS / "signed-out-idle-en.png")
