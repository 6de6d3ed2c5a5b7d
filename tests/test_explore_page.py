"""The Explore page under AppTest: URL state, hostile URL values, every role's scope, charts and the pivot."""

from __future__ import annotations

from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.text import plain
from data_access.engine import make_engine
from data_access.explore import ExploreQuery, aggregate
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope

VIEW = "views/explore.py"
STREETS_ZH = {"园岭", "南园", "福田", "沙头", "梅林", "华富", "香蜜湖", "莲花", "华强北", "福保"}


@pytest.fixture
def explore(app):
    """The Explore page for 2022 Q2 unless the URL says otherwise, with session ``state``."""
    return lambda state=None, **params: app(VIEW, state=state, **{"period": "2022Q2", **params})


def table(at: AppTest):
    return at.dataframe[0].value


def warnings(at: AppTest) -> str:
    return "\n".join(plain(w.value) for w in at.warning)


def test_the_default_view_counts_cases_by_street(explore, sqlite_sample_url):
    at = explore()
    shown = table(at)
    assert list(shown.columns) == ["街道", "个案数"]
    assert set(shown["街道"]) <= STREETS_ZH
    want = aggregate(make_engine(sqlite_sample_url), Scope.district(), Filters(Period.parse("2022Q2")),
                     datetime(2022, 6, 30, 18), ExploreQuery())
    assert shown["个案数"].sum() == want["value"].sum() > 0
    assert at.query_params["dataset"] == "cases" and at.query_params["chart"] == "bar"


def test_the_url_sets_every_choice_and_the_published_figures_show(explore):
    at = explore(lang="en", dataset="payments", dim="year", measure="sum", column="amount")
    assert table(at).to_dict("records") == [{"Year": "2022", "Sum of amount paid (yuan)": 641800.0}]
    at = explore(lang="en", dataset="payments", dim="year")
    assert table(at).to_dict("records") == [{"Year": "2022", "Person-times": 556}]


def test_two_dimensions_make_a_pivot(explore):
    at = explore(lang="en", dataset="cases", dim="street", dim2="risk", chart="heatmap")
    shown = table(at)
    assert list(shown.columns) == ["Street", *(rule.label_en for rule in load_rules().risks)]
    assert any("Pivot: Street × Risk level" in s.value for s in at.subheader)
    assert not warnings(at)


@pytest.mark.parametrize("param, value", [
    ("dataset", "cases; DROP TABLE cases"),
    ("dim", "street; DROP TABLE cases"),
    ("dim", "ѕtreet"),
    ("dim2", "'risk'"),
    ("measure", "sum) --"),
    ("measure", "ｃｏｕｎｔ"),
    ("chart", "pie"),
    ("risk", "critical' OR 1=1 --"),
])
def test_a_hostile_url_value_falls_back_with_a_notice(explore, param, value):
    at = explore(lang="en", **{param: value})
    notice = warnings(at)
    assert f"The URL parameter {param}=" in notice and "showing the default instead" in notice
    shown = table(at)
    assert list(shown.columns) == ["Street", "Cases"]
    assert not at.error


def test_a_hostile_column_falls_back_to_the_first_allowed_column(explore):
    at = explore(lang="en", dataset="payments", measure="median", column="amount) --")
    assert "column=amount" in warnings(at).replace("\\", "")
    assert list(table(at).columns) == ["Street", "Median of amount paid (yuan)"]


def test_a_second_dimension_equal_to_the_first_falls_back_to_none(explore):
    at = explore(lang="en", dim="street", dim2="street")
    assert "dim2=street" in warnings(at)
    assert list(table(at).columns) == ["Street", "Cases"]


def test_a_measure_the_dataset_lacks_falls_back_to_count(explore):
    at = explore(lang="en", dataset="stations", measure="children")
    assert "measure=children" in warnings(at)
    assert list(table(at).columns) == ["Street", "Stations"]


def test_a_map_needs_a_street_or_community(explore):
    at = explore(lang="en", dim="risk", chart="map")
    assert "chart=map" in warnings(at)
    assert at.query_params["chart"] == "bar"


def test_filters_from_the_url_narrow_the_table(explore):
    everything = table(explore(lang="en"))["Cases"].sum()
    critical = explore(lang="en", risk="critical,bogus")
    assert "risk=bogus" in warnings(critical)
    assert 0 < table(critical)["Cases"].sum() < everything
    assert critical.query_params["risk"] == "critical"


@pytest.mark.parametrize("dataset, dim, dim2, measure, column, chart", [
    ("cases", "month", "risk", "median", "response_hours", "line"),
    ("cases", "age_band", None, "mean", "age", "area"),
    ("children", "street", None, "count", None, "map"),
    ("children", "community", None, "mean", "age", "map"),
    ("children", "category", "sex", "count", None, "heatmap"),
    ("payments", "community", None, "children", None, "map"),
    ("staff", "role", "trained", "median", "service_years", "bar"),
    ("stations", "kind", "status", "sum", "beds", "heatmap"),
])
def test_every_chart_draws(explore, dataset, dim, dim2, measure, column, chart):
    params = {"dataset": dataset, "dim": dim, "measure": measure, "chart": chart,
              **({"dim2": dim2} if dim2 else {}), **({"column": column} if column else {})}
    for lang in ("zh", "en"):
        at = explore(lang=lang, **params)
        assert not warnings(at), warnings(at)
        assert not at.error
        assert len(table(at)) > 0
        for name, value in params.items():
            assert at.query_params[name] == value


def test_changing_the_dataset_resets_choices_it_does_not_have(explore):
    at = explore(lang="en", dim="risk", risk="critical")
    at.selectbox(key="explore_dataset").select("stations").run()
    assert not at.exception
    assert at.query_params["dataset"] == "stations" and at.query_params["dim"] == "street"
    assert list(table(at).columns) == ["Street", "Stations"]
    assert "risk" not in at.query_params
    assert not warnings(at)


@pytest.mark.parametrize("role, place, streets", [
    ("leader", {}, STREETS_ZH),
    ("analyst", {}, STREETS_ZH),
    ("admin", {}, STREETS_ZH),
    ("supervisor", {"demo-street": "fubao"}, {"福保"}),
    ("director", {"demo-street": "fubao", "demo-community": "fubao-03"}, {"福保"}),
])
def test_every_role_sees_only_its_scope(explore, role, place, streets):
    at = explore(state={"demo-role": role, **place}, dataset="children", street="futian" if place else "")
    shown = table(at)
    assert set(shown["街道"]) == streets
    if role == "director":
        community = explore(state={"demo-role": role, **place}, dataset="children", dim="community")
        assert len(table(community)) == 1


def test_a_refused_query_shows_a_message_not_a_traceback(explore, monkeypatch):
    from dashboard import data
    from data_access.explore import ExploreError

    def refuse(*args, **kwargs):
        raise ExploreError("cases dimension", "street; DROP TABLE cases", ("street", "risk"))

    monkeypatch.setattr(data, "explore_aggregate", refuse)
    at = explore(lang="en")
    assert [plain(e.value) for e in at.error] == [
        "Cannot compute this view: unknown cases dimension 'street; DROP TABLE cases'; allowed: street, risk"]
    assert not at.dataframe


def test_another_datasets_filter_in_the_url_gets_a_notice(explore):
    at = explore(lang="en", dataset="stations", risk="critical")
    assert "risk=critical" in warnings(at)
    assert "risk" not in at.query_params


def test_bars_and_table_run_by_value_and_the_natural_order_is_one_click_away(explore):
    at = explore(dataset="cases", dim="type", lang="en")
    table = at.dataframe[0].value
    assert list(table["Cases"]) == sorted(table["Cases"], reverse=True)
    assert at.query_params["order"] == "value"
    at.segmented_control(key="explore_order").set_value("natural").run()
    table = at.dataframe[0].value
    assert list(table["Crisis type"])[:2] == ["Suicidal ideation", "Self-harm"]
    assert at.query_params["order"] == "natural"


def test_months_keep_their_order_and_take_no_order_switch(explore):
    at = explore(dataset="cases", dim="month", lang="en", order="value")
    assert not [s for s in at.get("segmented_control") if s.proto.label == "Bar order"]
    assert "order" not in at.query_params


@pytest.mark.parametrize("flags, fallback", [("self_harm,nonsense", True), ("self_harm", False)])
def test_the_flags_filter_takes_known_flags_from_the_url(explore, flags, fallback):
    at = explore(dataset="cases", dim="risk", flags=flags)
    assert at.session_state["explore_flags"] == ["self_harm"]
    assert any("nonsense" in plain(w.value) for w in at.warning) == fallback
    assert at.query_params["flags"] == "self_harm"
