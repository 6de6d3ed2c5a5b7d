"""/admin's subscriptions section in Chromium: the list with each subscription's last delivery and error, no
webhook key anywhere on the page, and a subscription added through the form."""

from __future__ import annotations

from datetime import datetime

import pytest

from data_access import subscriptions as subs
from data_access import users
from data_access.engine import make_engine
from notify import manage
from tests.harness import (PASSWORD, SCREENSHOTS, assert_no_exception, open_page, running_app, sample_database,
                           script_run, wait_ready)

KEY = "0123-secret-key"
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


@pytest.fixture(scope="module")
def admin_server(chromium_path, tmp_path_factory):
    url = sample_database(tmp_path_factory.mktemp("notify-db"))
    engine = make_engine(url)
    users.add_user(engine, "wu.admin", "admin", PASSWORD)
    users.add_user(engine, "li.fubao", "supervisor", PASSWORD, "fubao")
    sub_id = manage.add(engine, "li.fubao", "alert", "*/5 * * * *", "wecom", WECOM,
                        params={"rule": "critical_overdue"})
    manage.add(engine, "li.fubao", "digest", "0 8 * * 1-5", "email", "li@bureau.example.cn")
    moment = datetime(2026, 12, 4, 10, 0)
    delivery = subs.claim(engine, sub_id, moment, moment)
    subs.record_failure(engine, delivery, moment, "errcode 93000: invalid webhook url", {})
    engine.dispose()
    with running_app(url, tmp_path_factory.mktemp("notify-log") / "server.log", demo=False) as base:
        yield base, url


def test_the_admin_sees_and_adds_subscriptions(new_page, admin_server):
    base, url = admin_server
    page = new_page()
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_page(page, f"{base}/admin?lang=en")
    page.get_by_role("textbox", name="Username").fill("wu.admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Subscriptions and alerts").wait_for(timeout=60_000)
    wait_ready(page)
    assert_no_exception(page)
    assert KEY not in page.content()
    section = page.get_by_text("Subscriptions and alerts")
    section.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "admin-subscriptions-en.png", full_page=True)

    form = page.locator("[data-testid='stForm']").filter(has_text="Add a subscription")
    form.get_by_role("textbox", name="Schedule (cron, Asia/Shanghai)").fill("0 8 * *")
    with script_run(page):
        form.get_by_role("button", name="Add a subscription").click()
    page.get_by_text("invalid schedule").first.wait_for(timeout=30_000)
    assert len(subs.subscriptions(make_engine(url))) == 2
    page.screenshot(path=SCREENSHOTS / "admin-subscriptions-refused-en.png", full_page=True)
