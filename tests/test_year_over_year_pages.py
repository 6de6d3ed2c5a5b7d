"""The same period last year on the pages: the overview's and the case page's cards, the briefing's summary,
table and footnotes; each change against direct SQL over last year's span."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from catalogue.i18n import signed, t
from dashboard.text import plain
from data_access.engine import make_engine
from tests.harness import briefing_for, metric


def reported(url: str, start: datetime, end: datetime) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM cases WHERE reported_at >= :a AND reported_at < :b"),
                            {"a": start, "b": end}).scalar_one()


def captions(at) -> list[str]:
    return [plain(c.value) for c in at.caption]


@pytest.mark.parametrize("lang, against", [("zh", "较去年同期（2021年第二季度）"),
                                           ("en", "against the same period last year (2021 Q2)")])
def test_the_reported_cards_set_the_period_against_last_year(app, sqlite_sample_url, lang, against):
    now = reported(sqlite_sample_url, datetime(2022, 4, 1), datetime(2022, 7, 1))
    last = reported(sqlite_sample_url, datetime(2021, 4, 1), datetime(2021, 7, 1))
    arrow = "↑" if now > last else "↓" if now < last else "→"
    change = f"{arrow} {signed(now - last)}"
    for page in ("views/overview.py", "views/cases.py"):
        at = app(page, period="2022Q2", lang=lang) if page != "views/overview.py" else app(period="2022Q2", lang=lang)
        assert not at.exception
        label = t("kpi.reported", lang)
        assert metric(at, label) == f"{now:,}", page
        assert any(against in c and change in c for c in captions(at)), (page, change, captions(at))


def test_a_year_is_compared_once(app):
    at = app(period="2022", lang="en")
    assert not any("same period last year" in c for c in captions(at))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_sets_the_period_against_last_year(app, sqlite_sample_url, lang):
    html = briefing_for(app, period="2022Q2", lang=lang).replace("&#39;", "'")
    for key in ("col.year_before", "col.change_year"):
        assert f">{t(key, lang)}</th>" in html, key
    assert t("kpi.help.year_before", lang) in html.replace("&#34;", '"')
    now = reported(sqlite_sample_url, datetime(2022, 4, 1), datetime(2022, 7, 1))
    last = reported(sqlite_sample_url, datetime(2021, 4, 1), datetime(2021, 7, 1))
    phrase = t("summary.reported_year", lang, change=signed(now - last))
    assert phrase.strip() in html
    assert ("较去年同期" if lang == "zh" else "on the same period last year") in html
    # a year's briefing has no second comparison: its previous period is the year before
    html = briefing_for(app, period="2022", lang=lang)
    assert f">{t('col.year_before', lang)}</th>" not in html


@pytest.mark.parametrize("page", ["views/overview.py", "views/cases.py", "views/subsidies.py"])
def test_no_comparison_with_a_year_before_the_data(app, page):
    """The sample begins in January 2021: 2021's quarters have no same period last year to compare with."""
    at = app(page, period="2021Q2", lang="en") if page != "views/overview.py" else app(period="2021Q2", lang="en")
    assert not at.exception
    assert not any("last year" in c for c in captions(at)), page
    at = app(page, period="2022Q2", lang="en") if page != "views/overview.py" else app(period="2022Q2", lang="en")
    assert any("last year" in c for c in captions(at)), page


def test_no_year_before_the_data_in_the_briefing(app):
    html = briefing_for(app, period="2021Q3", lang="en")
    assert ">Same period last year</th>" not in html and "on the same period last year" not in html
