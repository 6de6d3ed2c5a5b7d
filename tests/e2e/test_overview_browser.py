"""The overview in a real browser: cards and links, meeting mode, and the briefing printed to PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.harness import SCREENSHOTS, assert_no_exception, metric_of, metric_value, open_page, script_run

pytestmark = pytest.mark.e2e

BRIEFING = {"zh": "下载简报", "en": "Briefing"}
NEXT = {"zh": "下一页", "en": "Next"}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_and_its_briefing(page, browser, app_url, external_requests, tmp_path, lang):
    page.set_viewport_size({"width": 1400, "height": 2600})
    open_page(page, f"{app_url}/?lang={lang}&period=2022Q2")
    assert_no_exception(page)
    page.locator("[data-testid='stVegaLiteChart']").nth(1).wait_for(state="visible", timeout=15_000)
    expect(metric_of(page, "发放人次" if lang == "zh" else "Person-times paid")).to_have_text("556")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"overview-full-{lang}.png", full_page=True)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=BRIEFING[lang]).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"briefing-2022Q2-district-{lang}.html"

    # The briefing opens with every request refused: it must need nothing from anywhere.
    context = browser.new_context(viewport={"width": 900, "height": 1200})
    fetched = []
    context.route("**/*", lambda route: route.continue_() if route.request.url == saved.as_uri()
                  else (fetched.append(route.request.url), route.abort()))
    printed = context.new_page()
    printed.goto(saved.as_uri())
    printed.emulate_media(media="print")
    assert printed.locator("svg").count() >= 2
    assert ("556人次" if lang == "zh" else "556 person-times") in printed.inner_text("body")
    pdf = printed.pdf(format="A4", print_background=True)
    printed.screenshot(path=SCREENSHOTS / f"briefing-{lang}.png", full_page=True)
    context.close()
    (SCREENSHOTS / f"briefing-{lang}.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 4
    assert fetched == [] and external_requests == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_meeting_mode_on_the_projector(page, app_url, external_requests, lang):
    page.set_viewport_size({"width": 1600, "height": 900})
    open_page(page, f"{app_url}/?mode=meeting&lang={lang}&period=2022Q2")
    assert_no_exception(page)
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / f"meeting-network-{lang}.png")
    with script_run(page):
        page.get_by_role("button", name=NEXT[lang]).click()
    expect(page.locator("h1").first).to_have_text("危机个案" if lang == "zh" else "Crisis cases")
    expect(page).to_have_url(re.compile("screen=cases"))
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(state="visible", timeout=15_000)
    page.screenshot(path=SCREENSHOTS / f"meeting-cases-{lang}.png")
    # A presenter's clicker: PageDown moves on, the left arrow goes back.
    page.locator("h1").first.click()
    with script_run(page):
        page.keyboard.press("PageDown")
    expect(page).to_have_url(re.compile("screen=subsidies"))
    with script_run(page):
        page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile("screen=cases"))
    assert external_requests == []


def test_a_card_link_clears_filters_left_from_an_earlier_visit(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?lang=zh&period=2022Q2&risk=high&due=on_time")
    expect(page.get_by_text(re.compile(r"^共 \d+ 件")).first).to_be_visible()
    with script_run(page):
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text="总览").click()
    open_cases = metric_value(page, "在办危机个案")
    with script_run(page):
        page.get_by_role("link", name="个案队列").first.click()
    assert_no_exception(page)
    expect(page.get_by_text(re.compile(rf"^共 {open_cases} 件")).first).to_be_visible()
    assert "risk=" not in page.url and "due=" not in page.url
    assert external_requests == []
