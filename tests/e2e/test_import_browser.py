"""An admin uploads a file on the data page in a real browser, writes its good rows and sees the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from data_access import schema
from data_access.engine import make_engine
from tests.files import child, children_file, fake_id
from tests.harness import PASSWORD, SCREENSHOTS, assert_no_exception, metric_of, open_page, script_run, wait_ready

pytestmark = pytest.mark.e2e

TEXT = {
    "zh": dict(username="用户名", password="密码", sign_in="登录", skip="跳过错误行", write="写入数据库", result="写入结果",
               inserted="新增", rejected="拒绝", problems="有 1 处问题", download="下载被拒绝的行（CSV）"),
    "en": dict(username="Username", password="Password", sign_in="Sign in", skip="skip the bad rows", write="Write to the database",
               result="Result", inserted="Inserted", rejected="Rejected", problems="Problems in children-en.csv: 1",
               download="Download the rejected rows (CSV)"),
}


def children_count(url: str) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.children)).scalar()


@pytest.mark.parametrize("lang, serial", [("zh", 1), ("en", 3)])
def test_an_admin_uploads_checks_and_writes_a_file(new_page, import_server, tmp_path, external_requests, lang, serial):
    base, url = import_server
    words = TEXT[lang]
    good = child(f"FT9100000{serial}", 身份证号=fake_id("2012-07-08", f"00{serial}"), 出生日期="2012-07-08")
    bad = child(f"FT9100000{serial + 1}", 身份证号=fake_id("2012-07-08", f"00{serial + 1}"), 出生日期="2012-07-08",
                社区="园东")
    path = tmp_path / f"children-{lang}.csv"
    path.write_bytes(children_file(good, bad).decode().encode("gbk"))
    before = children_count(url)

    page = new_page()
    open_page(page, f"{base}/data?lang={lang}")
    page.get_by_role("textbox", name=words["username"]).fill("wu.admin")
    page.get_by_role("textbox", name=words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.get_by_text(words["skip"]).wait_for(timeout=60_000)
    wait_ready(page)
    with script_run(page):
        page.get_by_text(words["skip"]).click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text(words["problems"]).wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name=words["write"]).click()
    page.get_by_text(words["result"], exact=True).wait_for(timeout=30_000)
    wait_ready(page)

    assert_no_exception(page)
    assert children_count(url) == before + 1
    expect(metric_of(page, words["inserted"])).to_have_text("1")
    expect(metric_of(page, words["rejected"])).to_have_text("1")
    assert page.get_by_role("button", name=words["write"]).count() == 0
    expect(page.get_by_role("button", name=words["download"])).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.wait_for_timeout(500)  # the page lays itself out at the new size; nothing on it says when that is done
    page.screenshot(path=SCREENSHOTS / f"import-{lang}.png", full_page=True)
    assert external_requests == []
