"""The crisis-case page in a real browser: the needs-action matrix, the queue, case detail, bad URLs, exports."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from bench.browser import READY
from catalogue.i18n import t
from data_access import schema
from tests.harness import SCREENSHOTS, assert_no_exception, metric_value, open_page, script_run

pytestmark = pytest.mark.e2e

TOTAL = re.compile(r"共 ([\d,]+) 件 · 第|([\d,]+) cases · page")
CRITICAL = {"zh": "一级·红", "en": "Level 1 · Red"}
QUEUE = "[data-testid='stDataFrame']"
COLUMNS = ["col.case_no", "col.street", "col.community", "col.risk", "col.stage", "col.crisis_type", "col.flags",
           "col.reported_at", "col.last_contact_at", "col.next_due", "col.staff", "col.days_open"]
EXPORTED = ["col.case_no", "col.street", "col.community", "col.risk", "col.stage", "col.crisis_type", "col.flags",
            "col.reported_at", "col.first_response_at", "col.last_contact_at", "cases.export.due_kind", "col.next_due",
            "cases.filter.due", "col.staff", "col.days_open"]
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def show_queue(page):
    queue = page.locator(QUEUE).first
    queue.wait_for(state="visible", timeout=15_000)
    queue.scroll_into_view_if_needed()
    queue.locator("[role='columnheader']").first.wait_for(state="attached", timeout=15_000)
    return queue


def queue_total(page) -> int:
    show_queue(page)
    caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text=TOTAL).first.inner_text()
    match = TOTAL.search(caption)
    return int((match[1] or match[2]).replace(",", ""))


def column_cells(page, header: str) -> list[str]:
    return table_column(show_queue(page), header)


def table_column(table, header: str) -> list[str]:
    return column_locator(table, header).all_inner_texts()


def column_locator(table, header: str):
    """The cells of a table's column, as a locator (for expect)."""
    table.locator("[role='columnheader']").first.wait_for(state="attached", timeout=15_000)
    headers = table.locator("[role='columnheader']")
    index = headers.all_inner_texts().index(header)
    column = headers.nth(index).get_attribute("aria-colindex")
    return table.locator(f"[role='gridcell'][aria-colindex='{column}']")


def expect_only(page, header: str, value: str) -> None:
    """Wait until every row the queue shows holds ``value`` in that column: the grid keeps the rows it had
    until the rerun's table replaces them."""
    expect(column_locator(show_queue(page), header).filter(has_not_text=value)).to_have_count(0)


@contextmanager
def rerun_to(page, *fragments: str):
    """Around an action that reruns the page: on leaving, that run has ended and the URL holds every fragment."""
    with script_run(page):
        yield
    page.wait_for_url(lambda url: all(f in url for f in fragments), timeout=30_000)


def detail_heading(page, lang: str):
    return page.get_by_role("heading", name=re.compile("^" + re.escape(t("cases.detail", lang, case_no="FT-"))))


def alerts(page) -> list[str]:
    return page.locator("[data-testid='stAlertContainer']").all_inner_texts()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_matrix_cell_filters_the_queue_and_a_row_opens_its_case(page, app_url, external_requests, lang):
    open_page(page, f"{app_url}/cases?lang={lang}&period=2022Q2")
    assert queue_total(page) > 0
    cell = page.locator(".st-key-cell-critical-due_24h button").filter(visible=True)
    count = int(cell.inner_text().replace(",", ""))
    assert count > 0

    with rerun_to(page, "risk=critical", "due=due_24h"):
        cell.click()
    expect_only(page, t("col.risk", lang), CRITICAL[lang])
    assert queue_total(page) == count
    risks = column_cells(page, t("col.risk", lang))
    assert risks and set(risks) == {CRITICAL[lang]}
    first_case = column_cells(page, t("col.case_no", lang))[0]

    box = show_queue(page).locator("[data-testid='data-grid-canvas']").bounding_box()
    with rerun_to(page, f"case={first_case}"):
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)

    expect(detail_heading(page, lang).first).to_have_text(t("cases.detail", lang, case_no=first_case))
    expect(page.get_by_text(t("cases.timeline", lang), exact=True)).to_be_visible()
    assert "case=FT-" in page.url
    assert_no_exception(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.mouse.move(0, 0)
    page.locator("h1").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the charts redraw at the new size; nothing on the page says when they are done
    page.screenshot(path=SCREENSHOTS / f"cases-matrix-{lang}.png")
    assert external_requests == []


def test_case_link_opens_the_detail_and_an_unknown_case_warns(page, app_url, sample_db_url, external_requests):
    engine = create_engine(sample_db_url)
    with engine.connect() as conn:
        known = set(conn.execute(select(schema.cases.c.case_no)).scalars())
        first_open = conn.execute(select(schema.cases.c.case_no).where(schema.cases.c.closed_at.is_(None))
                                  .order_by(schema.cases.c.case_no)).scalars().first()
    engine.dispose()
    assert "FT-2022-00001" in known

    for case_no in ("FT-2022-00001", first_open):
        open_page(page, f"{app_url}/cases?case={case_no}&lang=en")
        assert_no_exception(page)
        expect(detail_heading(page, "en").first).to_have_text(f"Case {case_no}")
        expect(page.get_by_text(t("cases.timeline", "en"), exact=True)).to_be_visible()

    open_page(page, f"{app_url}/cases?case=NOPE-1")
    assert_no_exception(page)
    assert any("NOPE-1" in text for text in alerts(page)), alerts(page)
    assert detail_heading(page, "zh").count() == 0
    assert page.get_by_text(t("cases.timeline", "zh"), exact=True).count() == 0
    assert external_requests == []


def test_bad_url_values_warn_and_the_queue_still_shows(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?stage=lost&risk=extreme&staff=999999&from=2022-06-30&to=2022-04-01&lang=en")

    assert_no_exception(page)
    warnings = alerts(page)
    for value in ("stage=lost", "risk=extreme", "staff=999999"):
        assert any(value in w for w in warnings), (value, warnings)
    assert any("2022-06-30" in w and "2022-04-01" in w and "ignored" in w for w in warnings), warnings
    assert queue_total(page) > 0
    expect(page.locator(QUEUE).first).to_be_visible()
    assert external_requests == []


def test_exports_hold_the_queue_with_on_screen_headers(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?lang=en&risk=critical")
    total = queue_total(page)
    on_screen = show_queue(page).locator("[role='columnheader']").all_inner_texts()
    assert len(on_screen) >= 3 and on_screen == [t(key, "en") for key in COLUMNS][:len(on_screen)]
    headers = [t(key, "en") for key in EXPORTED]

    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    assert info.value.suggested_filename.endswith(".csv")
    data = info.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == headers
    assert len(rows) - 1 == total
    page.wait_for_selector(READY, timeout=60_000)

    with page.expect_download() as info:
        page.get_by_role("button", name="Export Excel").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))["Cases"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers
    assert len(rows) - 1 == total

    assert_no_exception(page)
    assert external_requests == []


def click_row(page, row: int = 0) -> None:
    """A click on a row's case number (a cell, not the selection box)."""
    box = show_queue(page).locator("[data-testid='data-grid-canvas']").bounding_box()
    x, y = box["x"] + 90, box["y"] + 35 + 35 * row + 17
    page.mouse.move(x, y, steps=4)  # a hand reaches the row before it clicks
    page.wait_for_timeout(200)  # and rests there a moment, as a hand does
    page.mouse.click(x, y)


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height


def test_the_most_urgent_critical_case_of_a_street_in_three_clicks(page, app_url, external_requests):
    clicks = 0
    open_page(page, f"{app_url}/cases?lang=zh&period=2022Q2&street=fubao")
    overdue = page.locator(".st-key-cell-critical-overdue button").filter(visible=True)
    soon = page.locator(".st-key-cell-critical-due_24h button").filter(visible=True)
    cell, bucket = (overdue, "overdue") if int(overdue.inner_text()) else (soon, "due_24h")
    count = int(cell.inner_text().replace(",", ""))
    assert count > 0

    with rerun_to(page, "risk=critical", f"due={bucket}"):
        cell.click()
    clicks += 1
    expect_only(page, t("col.risk", "zh"), CRITICAL["zh"])
    assert queue_total(page) == count
    assert set(column_cells(page, t("col.risk", "zh"))) == {CRITICAL["zh"]}
    assert set(column_cells(page, t("col.street", "zh"))) == {"福保"}
    most_urgent = column_cells(page, t("col.case_no", "zh"))[0]

    with rerun_to(page, f"case={most_urgent}"):
        click_row(page)
    clicks += 1
    heading = detail_heading(page, "zh").first
    expect(heading).to_have_text(t("cases.detail", "zh", case_no=most_urgent))
    expect(page.locator(".st-key-case-detail")).to_be_in_viewport()
    assert clicks <= 3

    # The timeline: the next deadline on top, then the newest event.
    timeline = page.locator(".st-key-case-detail [data-testid='stDataFrame']").last
    timeline.scroll_into_view_if_needed()
    kinds = table_column(timeline, t("cases.event.kind", "zh"))
    assert kinds[0].startswith("【下一时限】"), kinds
    times = table_column(timeline, t("cases.event.time", "zh"))[1:]
    assert len(times) > 1
    assert times == sorted(times, reverse=True), times
    assert_no_exception(page)
    assert external_requests == []


def test_the_no_contact_list_exports_with_absolute_times_and_its_filters(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?lang=zh&period=2022Q2&no_contact=cadence")
    total = queue_total(page)
    assert total > 0
    with page.expect_download() as info:
        page.get_by_role("button", name=t("export.xlsx", "zh")).click()
    name = info.value.suggested_filename
    assert name.startswith("危机个案_全区_") and "超过回访周期未联系" in name and name.endswith(".xlsx"), name
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    sheet = book["个案"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers == [t(key, "zh") for key in EXPORTED]
    assert len(rows) - 1 == total
    deadlines = [row[headers.index("下一时限")] for row in rows[1:]]
    assert all(MOMENT.match(value) for value in deadlines), deadlines[:3]
    assert not any("到期" in str(cell) or "逾期 " in str(cell) for row in rows[1:] for cell in row)
    contacts = [row[headers.index("最近联系")] for row in rows[1:]]
    assert any(contacts) and all(MOMENT.match(value) for value in contacts if value)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}{total + 1}"
    about = dict(book["导出说明"].iter_rows(values_only=True))
    assert MOMENT.match(about["数据截至"]) and about["街道"] == "全区"
    assert about["未联系"] == "超过回访周期未联系" and about["个案数"] == str(total)
    assert_no_exception(page)
    assert external_requests == []


def test_a_copied_link_opens_the_same_list_in_a_new_browser(new_page, app_url, external_requests):
    page = new_page()
    open_page(page, f"{app_url}/cases?lang=zh&period=2022Q2")
    with rerun_to(page, "risk=high", "due=overdue"):
        page.locator(".st-key-cell-high-overdue button").filter(visible=True).click()
    page.get_by_role("button", name=t("cases.copy_link", "zh")).click()
    link = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode'] code").first
    expect(link).to_contain_text("/cases?")
    url = link.inner_text().strip()
    assert "risk=high" in url and "due=overdue" in url
    total, first = queue_total(page), column_cells(page, t("col.case_no", "zh"))[:5]

    other = new_page()  # a new browser context: no session, no cookies
    open_page(other, url)
    assert queue_total(other) == total
    assert column_cells(other, t("col.case_no", "zh"))[:5] == first
    assert_no_exception(other)
    assert external_requests == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_page_screenshots(page, app_url, external_requests, lang):
    open_page(page, f"{app_url}/cases?lang={lang}&period=2022Q2&due=overdue,due_24h&risk=critical")
    with rerun_to(page, "case="):
        click_row(page)
    expect(page.locator(".st-key-case-detail")).to_be_in_viewport()
    assert_no_exception(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3400})
    page.wait_for_timeout(800)  # the charts redraw at the new size; nothing on the page says when they are done
    page.screenshot(path=SCREENSHOTS / f"cases-queue-{lang}.png", full_page=True)
    assert external_requests == []


def test_the_data_pages_no_contact_count_opens_the_same_list(page, app_url, external_requests):
    open_page(page, f"{app_url}/data?period=2022Q2&lang=zh")
    counted = int(metric_value(page, t("quality.check.no_contact", "zh")).replace(",", ""))
    assert counted > 0
    with rerun_to(page, "/cases", "no_contact=cadence"):
        page.get_by_role("link", name=t("quality.to_cases", "zh", count=f"{counted:,}")).click()
    assert queue_total(page) == counted
    assert_no_exception(page)
    assert external_requests == []


def test_a_click_on_a_worker_lists_their_cases(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?lang=zh&period=2022Q2")
    workload = page.locator("[data-testid='stDataFrame']").filter(
        has_text=t("cases.caseload", "zh")).first
    workload.scroll_into_view_if_needed()
    open_cases = int(table_column(workload, t("cases.open", "zh"))[0])
    assert open_cases > 0
    box = workload.locator("[data-testid='data-grid-canvas']").bounding_box()
    x, y = box["x"] + 90, box["y"] + 35 + 17
    page.mouse.move(x, y, steps=4)
    page.wait_for_timeout(200)  # a hand rests on the row before it clicks, as in click_row
    with rerun_to(page, "staff="):
        page.mouse.click(x, y)
    expect(page.locator(".st-key-case-queue")).to_be_in_viewport()
    assert queue_total(page) == open_cases
    assert_no_exception(page)
    assert external_requests == []
