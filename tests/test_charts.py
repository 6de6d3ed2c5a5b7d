"""Chart factories: the order of categories, sorting by value, one palette for every chart, labelled
bars and whole-number ticks for counts. Each factory is a pure function, read through its Vega-Lite spec."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from catalogue.i18n import VOCAB, label
from dashboard import charts, palette
from data_access.types import months_between

RISKS = [("critical", "一级·红"), ("high", "二级·橙"), ("medium", "三级·黄"), ("low", "四级·蓝")]


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def encodings(spec: dict, channel: str) -> list[dict]:
    return [layer["encoding"][channel] for layer in layers(spec) if channel in layer.get("encoding", {})]


def data_of(spec: dict) -> pd.DataFrame:
    datasets = spec["datasets"]
    return pd.DataFrame(next(iter(datasets.values())))


def test_bars_run_from_the_largest_value_and_keep_the_natural_order_on_request():
    table = pd.DataFrame({"街道": ["福保", "福田", "华强北"], "个案数": [2, 9, 5]})
    by_value = charts.explore_chart(table, "bar", "街道", None, "个案数", ",.0f", by_value=True, whole=True).to_dict()
    natural = charts.explore_chart(table, "bar", "街道", None, "个案数", ",.0f", whole=True).to_dict()
    assert {json.dumps(x["sort"], ensure_ascii=False) for x in encodings(by_value, "x")} == {'["福田", "华强北", "福保"]'}
    assert {json.dumps(x["sort"], ensure_ascii=False) for x in encodings(natural, "x")} == {'["福保", "福田", "华强北"]'}


def test_sorting_by_value_adds_up_a_second_dimension_and_breaks_ties_in_natural_order():
    assert charts.ordered_by_value(["a", "b", "a", "c"], [1, 3, 2, 3]) == ["a", "b", "c"]
    assert charts.ordered_by_value(["x", "y"], [float("nan"), 0]) == ["x", "y"]


def test_every_bar_is_labelled_with_its_value():
    table = pd.DataFrame({"Street": ["A", "A", "B"], "Risk": ["High", "Low", "Low"], "Cases": [2, 1, 4]})
    spec = charts.explore_chart(table, "bar", "Street", "Risk", "Cases", ",.0f", whole=True).to_dict()
    marks = [layer["mark"]["type"] for layer in layers(spec)]
    assert marks == ["bar", "text"]
    text = layers(spec)[1]["encoding"]
    assert text["text"]["field"] == "Cases" and text["xOffset"]["field"] == "Risk"


def test_counts_tick_at_whole_numbers_only_and_other_measures_keep_their_format():
    table = pd.DataFrame({"Street": ["A", "B"], "Cases": [1, 2]})
    counts = charts.explore_chart(table, "bar", "Street", None, "Cases", ",.0f", whole=True).to_dict()
    for y in encodings(counts, "y"):
        assert y["axis"]["format"] == "d" and y["axis"]["tickMinStep"] == 1
    means = charts.explore_chart(table, "line", "Street", None, "Cases", ",.1f").to_dict()
    assert encodings(means, "y")[0]["axis"]["format"] == ",.1f" and "tickMinStep" not in encodings(means, "y")[0]["axis"]
    monthly = charts.cases_by_month_chart(pd.DataFrame({"month": pd.to_datetime(["2022-01-01"]), "risk_level": ["low"],
                                                        "cases": [1]}), RISKS, "zh").to_dict()
    assert encodings(monthly, "y")[0]["axis"] == {"format": "d", "tickMinStep": 1}
    assert [layer["mark"]["type"] for layer in layers(monthly)] == ["bar", "text"]  # each month's total on top
    frame = pd.DataFrame({"month": pd.to_datetime(["2022-01-01"]), "street": ["fubao"], "category": ["orphan"],
                          "person_times": [1], "amount": [1.0]})
    trend = charts.subsidy_trend_chart(frame, "street", "person_times", "zh", {"fubao": "福保"},
                                       ("2022-01-01", "2022-02-01")).to_dict()
    assert encodings(trend, "y")[0]["axis"]["tickMinStep"] == 1
    bands = charts.band_chart({"le_2h": 3, "2h_24h": 0}, "cases.response", "zh").to_dict()
    assert encodings(bands, "x")[0]["axis"] == {"format": "d", "tickMinStep": 1}


def test_the_heat_map_keeps_the_domain_order_with_critical_on_top_and_shows_zeros():
    table = pd.DataFrame({"阶段": ["核查", "接报"], "风险等级": ["四级·蓝", "一级·红"], "个案数": [3, 2]})
    levels = [name for _, name in RISKS]
    spec = charts.explore_chart(table, "heatmap", "阶段", "风险等级", "个案数", ",.0f", whole=True,
                                x_order=["接报", "核查"], y_order=levels).to_dict()
    assert encodings(spec, "y")[0]["sort"] == levels  # the first of a sort list is drawn at the top
    assert encodings(spec, "x")[0]["sort"] == ["接报", "核查"]
    cells = data_of(spec)
    assert len(cells) == 2 * 4
    assert cells.set_index(["阶段", "风险等级"]).loc[("核查", "一级·红"), "个案数"] == 0
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["rect", "text"]


def test_a_heat_map_of_means_leaves_a_missing_pair_empty_rather_than_zero():
    table = pd.DataFrame({"A": ["x", "y"], "B": ["p", "q"], "Mean": [1.5, 2.5]})
    cells = data_of(charts.explore_chart(table, "heatmap", "A", "B", "Mean", ",.1f").to_dict())
    assert cells["Mean"].isna().sum() == 2


def test_the_stage_heat_map_is_in_workflow_order_with_zeros():
    funnel = pd.DataFrame({"street_zh": ["福保", "福田"], "street_en": ["Fubao", "Futian"],
                           "stage": ["closed", "reported"], "cases": [4, 1]})
    spec = charts.stage_funnel_chart(funnel, "zh").to_dict()
    stages = [label("stage", s, "zh") for s in VOCAB["stage"]]
    assert encodings(spec, "x")[0]["sort"] == stages
    cells = data_of(spec)
    assert len(cells) == 2 * len(stages) and (cells["cases"] == 0).sum() == 2 * len(stages) - 2


def test_risk_levels_and_categories_have_one_colour_in_every_chart():
    risk_table = pd.DataFrame({"Street": ["A", "A"], "Risk": ["二级·橙", "一级·红"], "Cases": [1, 2]})
    colours = dict(zip([name for _, name in RISKS], palette.colours("risk", [level for level, _ in RISKS])))
    explore = charts.explore_chart(risk_table, "bar", "Street", "Risk", "Cases", ",.0f", colours=colours,
                                   y_order=list(colours)).to_dict()
    scale = encodings(explore, "color")[0]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))["一级·红"] == palette.RISK["critical"]
    monthly = charts.cases_by_month_chart(pd.DataFrame({"month": pd.to_datetime(["2022-01-01"]),
                                                        "risk_level": ["critical"], "cases": [1]}), RISKS, "zh")
    scale = encodings(monthly.to_dict(), "color")[0]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))["一级·红"] == palette.RISK["critical"]

    categories = list(VOCAB["category"])
    frame = pd.DataFrame({"month": pd.to_datetime(["2022-01-01"] * 3), "category": categories,
                          "person_times": [1, 2, 3], "amount": [10.0, 20.0, 30.0]})
    for chart in (charts.subsidy_by_month_chart(frame, "zh"),
                  charts.subsidy_trend_chart(frame.assign(street="fubao"), "category", "amount", "zh", {},
                                             ("2022-01-01", "2022-02-01"))):
        scale = encodings(chart.to_dict(), "color")[0]["scale"]
        assert scale["range"] == [palette.CATEGORY[c] for c in categories]
    assert len(set(palette.CATEGORY.values()) | set(palette.RISK.values()) | {palette.NEUTRAL}) == 8


def test_streets_keep_their_colour_whichever_streets_a_chart_shows():
    names = {"fubao": "福保", "futian": "福田", "huaqiangbei": "华强北"}
    frame = pd.DataFrame({"month": pd.to_datetime(["2022-01-01"]), "street": ["futian"], "category": ["orphan"],
                          "person_times": [1], "amount": [1.0]})
    spec = charts.subsidy_trend_chart(frame, "street", "amount", "zh", names, ("2022-01-01", "2022-02-01")).to_dict()
    scale = encodings(spec, "color")[0]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))["福田"] == palette.colours("street", list(names))[1]
    assert palette.colours("street", ["a", "b"]) == palette.colours("street", ["a", "b", "c"])[:2]


def test_a_single_series_is_neutral_not_a_category_colour():
    table = pd.DataFrame({"Mode": ["Online", "On site"], "Count": [3, 1]})
    spec = charts.explore_chart(table, "bar", "Mode", None, "Count", ",.0f", whole=True).to_dict()
    assert layers(spec)[0]["mark"]["color"] == palette.NEUTRAL
    assert palette.NEUTRAL not in palette.CATEGORY.values() and palette.NEUTRAL not in palette.RISK.values()


@pytest.mark.parametrize("kind", ["line", "area"])
def test_time_charts_are_not_coloured_by_their_first_dimension(kind):
    table = pd.DataFrame({"Category": ["Orphans", "Other"], "Count": [3, 1]})
    spec = charts.explore_chart(table, kind, "Category", None, "Count", ",.0f",
                                colours={"Orphans": "#000000", "Other": "#111111"}).to_dict()
    assert encodings(spec, "color") == []


def test_the_monthly_case_chart_shows_every_month_of_its_window_even_without_a_case():
    frame = pd.DataFrame({"month": pd.to_datetime(["2022-01-01", "2022-03-01"]), "risk_level": ["critical", "low"],
                          "cases": [2, 1]})
    months = months_between(date(2022, 1, 1), date(2022, 4, 1))
    spec = charts.cases_by_month_chart(frame, RISKS, "zh", months=months).to_dict()
    domains = [x["scale"]["domain"] for x in encodings(spec, "x") if "scale" in x]
    assert domains == [["2022-01", "2022-02", "2022-03"]]
    without = charts.cases_by_month_chart(frame, RISKS, "zh").to_dict()
    assert all("domain" not in x.get("scale", {}) for x in encodings(without, "x"))


def test_no_street_colour_is_close_to_a_risk_level_or_a_category():
    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    fixed = [*palette.RISK.values(), *palette.CATEGORY.values()]
    for colour in palette.SERIES:
        assert min(math.dist(rgb(colour), rgb(other)) for other in fixed) > 40, colour
