"""The 2022 concentrated rectification campaign has its place in time: its five phases in 2022, shown for
the periods they overlap, and nothing of it in any other year."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.text import plain
from data_access.campaigns import district_phases, phases_in
from data_access.types import Period


def test_the_five_phases_lie_in_2022_in_order():
    phases = district_phases("futian")
    assert [p.name_zh for p in phases] == ["自查自纠", "交叉检查", "集中整改和督促检查", "深化整改", "总结通报"]
    assert all(p.starts.year == p.ends.year == 2022 and p.starts <= p.ends for p in phases)
    assert all(a.ends < b.starts for a, b in zip(phases, phases[1:]))


@pytest.mark.parametrize("code, as_of, expected", [
    ("2022Q2", date(2022, 6, 30), ["self_inspection", "cross_inspection", "rectification"]),
    ("2022Q2", date(2022, 5, 15), ["self_inspection", "cross_inspection"]),  # a phase not begun is not shown
    ("2022Q1", date(2022, 6, 30), ["self_inspection"]),
    ("2022-11", date(2026, 12, 4), ["summary"]),
    ("2022", date(2026, 12, 4), ["self_inspection", "cross_inspection", "rectification", "deepening", "summary"]),
    ("2022-01", date(2026, 12, 4), []),
    ("2022-12", date(2026, 12, 4), []),
])
def test_the_phases_of_a_period(code, as_of, expected):
    period = Period.parse(code)
    assert [p.phase for p in phases_in("futian", period.start, period.end, as_of)] == expected


@pytest.mark.parametrize("year", [2021, 2023, 2024, 2025, 2026])
def test_nothing_of_it_in_any_other_year(year):
    periods = [Period("year", year)] + [Period("quarter", year, q) for q in range(1, 5)] + \
              [Period("month", year, m) for m in range(1, 13)]
    assert all(phases_in("futian", p.start, p.end, date(2026, 12, 4)) == [] for p in periods)


def test_a_district_without_campaigns_has_none(tmp_path):
    assert phases_in("elsewhere", date(2022, 1, 1), date(2023, 1, 1), date(2026, 1, 1), tmp_path) == []
    assert phases_in(None, date(2022, 1, 1), date(2023, 1, 1), date(2026, 1, 1)) == []


def test_a_phase_ending_before_it_starts_is_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "campaigns.csv").write_text(
        "campaign,phase,name_zh,name_en,starts,ends\nc,p,甲,a,2022-05-01,2022-04-01\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ends before it starts"):
        phases_in("x", date(2022, 1, 1), date(2023, 1, 1), date(2023, 1, 1), tmp_path)


@pytest.mark.parametrize("lang, campaign, phase", [("zh", "2022年全面集中整治", "交叉检查（5月1日–6月15日）"),
                                                   ("en", "the 2022 concentrated rectification campaign",
                                                    "cross-inspection (1 May to 15 Jun)")])
def test_the_overview_names_the_phases_of_its_period(app, lang, campaign, phase):
    shown = "\n".join(plain(m.value) for m in app(period="2022Q2", lang=lang).markdown)
    assert campaign in shown and phase in shown
    shown = "\n".join(plain(m.value) for m in app(period="2021Q2", lang=lang).markdown)
    assert campaign not in shown
