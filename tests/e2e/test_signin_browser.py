"""Signing in through the form on a database that is not the bundled sample."""

from __future__ import annotations

import pytest

from data_access import audit, users
from data_access.engine import make_engine
from tests.e2e.conftest import running_app, sample_database
from tests.e2e.test_browser import READY, SCREENSHOTS, assert_no_exception, metric_value, open_page

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def signed_in_server(chromium_path, tmp_path_factory):
    url = sample_database(tmp_path_factory.mktemp("signin-db"))
    users.add_user(make_engine(url), "li.fubao", "supervisor", PASSWORD, "fubao")
    with running_app(url, tmp_path_factory.mktemp("signin-log") / "server.log", demo=False) as base:
        yield base, url


def sign_in(page, password: str, outcome: str) -> None:
    """Fill in the form and wait until ``outcome`` (a selector) shows."""
    page.get_by_role("textbox", name="Username").fill("li.fubao")
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(outcome, timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)


def test_sign_in_through_the_form_and_stay_in_the_street(new_page, signed_in_server, external_requests):
    base, url = signed_in_server
    page = new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    open_page(page, f"{base}/?lang=en")
    assert page.locator("[data-testid='stMetric']").count() == 0
    assert page.get_by_text("DEMO").count() == 0
    page.screenshot(path=SCREENSHOTS / "sign-in-en.png")

    sign_in(page, "wrong password!", "text=The username or password is not right.")
    assert page.locator("[data-testid='stMetric']").count() == 0

    sign_in(page, PASSWORD, "[data-testid='stMetric']")
    assert_no_exception(page)
    assert metric_value(page, "Street work stations") == "1"

    open_page(page, f"{base}/cases?lang=en&street=futian")
    assert_no_exception(page)
    # A fresh page load is a new session: the viewer signs in again, then sees Fubao only.
    if page.get_by_role("textbox", name="Username").count():
        sign_in(page, PASSWORD, "[data-testid='stDataFrame']")
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "Scope: Fubao" in text
    log = audit.search(make_engine(url), username="li.fubao")
    assert "sign_in" in set(log["action"])
    assert PASSWORD not in log.to_string()
    assert external_requests == []
