"""The crisis-case page in a real browser: the needs-action matrix, the queue, case detail, bad URLs, exports."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import create_engine, select

from dashboard.i18n import t
from data_access import schema
from tests.e2e.test_browser import READY, SCREENSHOTS, assert_no_exception, open_page

pytestmark = pytest.mark.e2e

TOTAL = re.compile(r"共 ([\d,]+) 件 · 第|([\d,]+) cases · page")
CRITICAL = {"zh": "一级·红", "en": "Level 1 · Red"}
QUEUE = "[data-testid='stDataFrame']"
COLUMNS = ["col.case_no", "col.street", "col.community", "col.risk", "col.stage", "col.crisis_type", "col.flags",
           "col.reported_at", "col.next_due", "col.staff", "col.days_open"]


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
    table = show_queue(page)
    headers = table.locator("[role='columnheader']")
    index = headers.all_inner_texts().index(header)
    column = headers.nth(index).get_attribute("aria-colindex")
    return table.locator(f"[role='gridcell'][aria-colindex='{column}']").all_inner_texts()


def wait_for_rerun(page, *fragments: str) -> None:
    page.wait_for_url(lambda url: all(f in url for f in fragments), timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(500)
    page.wait_for_selector(READY, timeout=60_000)


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

    cell.click()
    wait_for_rerun(page, "risk=critical", "due=due_24h")
    assert queue_total(page) == count
    risks = column_cells(page, t("col.risk", lang))
    assert risks and set(risks) == {CRITICAL[lang]}
    first_case = column_cells(page, t("col.case_no", lang))[0]

    box = show_queue(page).locator("[data-testid='data-grid-canvas']").bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    wait_for_rerun(page, f"case={first_case}")

    assert detail_heading(page, lang).first.inner_text().strip() == t("cases.detail", lang, case_no=first_case)
    assert page.get_by_text(t("cases.timeline", lang), exact=True).is_visible()
    assert "case=FT-" in page.url
    assert_no_exception(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.mouse.move(0, 0)
    page.locator("h1").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
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
        assert detail_heading(page, "en").first.inner_text().strip() == f"Case {case_no}"
        assert page.get_by_text("Timeline", exact=True).is_visible()

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
    assert page.locator(QUEUE).first.is_visible()
    assert external_requests == []


def test_exports_hold_the_queue_with_on_screen_headers(page, app_url, external_requests):
    open_page(page, f"{app_url}/cases?lang=en&risk=critical")
    total = queue_total(page)
    headers = [t(key, "en") for key in COLUMNS]
    on_screen = show_queue(page).locator("[role='columnheader']").all_inner_texts()
    assert len(on_screen) >= 3 and on_screen == headers[:len(on_screen)]

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
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers
    assert len(rows) - 1 == total

    assert_no_exception(page)
    assert external_requests == []
