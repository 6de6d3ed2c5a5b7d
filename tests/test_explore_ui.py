"""The Explore page's pure helpers: labels, chart choices, pivot, chart and map factories."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from catalogue.i18n import CATALOGUE
from dashboard import charts
from dashboard import explore as ui
from data_access.explore import DATASET_SPECS, MEASURES
from data_access.rules import load_rules

STREETS = pd.DataFrame({
    "id": ["fubao", "futian"], "name_zh": ["福保", "福田"], "name_en": ["Fubao", "Futian"], "lat": [22.51, 22.53],
    "lon": [114.05, 114.06], "geometry_crs": ["WGS84", "WGS84"],
    "geometry": [json.dumps({"type": "Polygon", "coordinates": [[[114.04, 22.50], [114.06, 22.50], [114.06, 22.52],
                                                                 [114.04, 22.50]]]}),
                 json.dumps({"type": "Polygon", "coordinates": [[[114.06, 22.52], [114.07, 22.52], [114.07, 22.54],
                                                                 [114.06, 22.52]]]})],
})
COMMUNITIES = pd.DataFrame({"id": ["fubao-01"], "name_zh": ["福保"], "name_en": ["Fubao"], "street_zh": ["福保"],
                            "street_en": ["Fubao"], "lat": [22.51], "lon": [114.05]})


def test_every_name_a_viewer_can_pick_has_a_label_in_both_languages():
    keys = {f"explore.measure.{m}" for m in MEASURES if m != "count"}
    for name, spec in DATASET_SPECS.items():
        keys |= {f"explore.dataset.{name}", f"explore.count.{name}"}
        keys |= {f"explore.dim.{d}" for d in spec.dimensions}
        keys |= {f"explore.column.{c}" for c in spec.columns}
        keys |= {f"explore.filter.{f}" for f in spec.filters}
    keys |= {f"explore.chart.{c}" for c in ui.CHARTS}
    assert keys - set(CATALOGUE) == set()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_dimension_value_gets_a_label_not_a_code(lang):
    rules = load_rules()
    for spec in DATASET_SPECS.values():
        for dim in spec.dimensions:
            if dim in ("street", "community") or dim in ("month", "quarter", "year"):
                continue
            labels = ui.labeller(dim, [], lang, STREETS, COMMUNITIES, rules)
            for code in labels.order:
                assert code in labels.names, (dim, code)
                if lang == "zh" and code is not None:
                    assert labels(code) != code, (dim, code)


def test_labels_of_times_and_of_a_missing_street():
    rules = load_rules()
    quarters = ui.labeller("quarter", ["2022Q2", "2021Q4"], "zh", STREETS, COMMUNITIES, rules)
    assert quarters("2022Q2") == "2022年第二季度"
    assert sorted(["2022Q2", "2021Q4"], key=quarters.sort_key) == ["2021Q4", "2022Q2"]
    streets = ui.labeller("street", ["fubao", None], "en", STREETS, COMMUNITIES, rules)
    assert streets(None) == streets(float("nan")) == "District level (no street)"
    assert streets("fubao") == "Fubao"


def test_chart_choices_follow_the_dimensions():
    assert ui.charts_for("risk", None) == ("bar", "line", "area")
    assert ui.charts_for("street", None) == ("bar", "line", "area", "map")
    assert ui.charts_for("community", "risk") == ("bar", "line", "area", "heatmap", "map")


def test_the_pivot_keeps_orders_and_fills_missing_counts_with_zero():
    long = pd.DataFrame({"Street": ["Fubao", "Fubao", "Futian"], "Risk": ["High", "Low", "Low"], "Cases": [2, 1, 4]})
    wide = ui.pivot(long, "Street", "Risk", "Cases", ["Low", "High"], missing_is_zero=True)
    assert wide.to_dict("records") == [{"Street": "Fubao", "Low": 1, "High": 2},
                                       {"Street": "Futian", "Low": 4, "High": 0}]
    means = ui.pivot(long, "Street", "Risk", "Cases", ["Low", "High"], missing_is_zero=False)
    assert pd.isna(means.loc[1, "High"])


def test_labelled_orders_by_the_labellers_and_titles_the_columns():
    rules = load_rules()
    frame = pd.DataFrame({"risk": ["low", "critical"], "value": [3, 5]})
    labels = {"risk": ui.labeller("risk", [], "en", STREETS, COMMUNITIES, rules)}
    table = ui.labelled(frame, ["risk"], labels, {"risk": "Risk level"}, "Cases")
    assert list(table.columns) == ["Risk level", "Cases"]
    assert table["Cases"].tolist() == [5, 3]


@pytest.mark.parametrize("kind", ["bar", "line", "area", "heatmap"])
def test_the_chart_is_titled_with_the_visible_names(kind):
    table = pd.DataFrame({"街道": ["福保", "福保", "福田"], "风险等级": ["二级·橙", "四级·蓝", "四级·蓝"],
                          "个案数": [2, 1, 4]})
    spec = charts.explore_chart(table, kind, "街道", "风险等级", "个案数", ",.0f").to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    for title in ("街道", "风险等级", "个案数"):
        assert f'"field": "{title}"' in text
    assert '"sort": ["福保", "福田"]' in text


def test_a_one_dimension_chart_has_no_colour_series():
    table = pd.DataFrame({"Street": ["Fubao", "Futian"], "Cases": [2, 4]})
    spec = charts.explore_chart(table, "bar", "Street", None, "Cases", ",.0f").to_dict()
    assert all("color" not in layer["encoding"] for layer in spec["layer"])


@pytest.mark.parametrize("dim", ["street", "community"])
def test_the_map_colours_the_picked_places(dim):
    frame = pd.DataFrame({f"{dim}_id": ["fubao" if dim == "street" else "fubao-01"], "value": [7]})
    deck, legend = ui.map_deck(frame, dim, "count", "Children", STREETS, COMMUNITIES, "en", lambda v: f"{v:,.0f}")
    spec = json.loads(deck.to_json())
    assert "Children: 7" in json.dumps(spec, ensure_ascii=False)
    assert legend and all(isinstance(text, str) for _, text in legend)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_case_flags_are_the_queues_flags_with_the_queues_labels(lang):
    from catalogue.i18n import label
    from data_access import cases
    from data_access.explore import CASE_FLAGS

    assert list(CASE_FLAGS.columns) == list(cases.FLAGS)
    assert all(CASE_FLAGS.columns[flag] is cases.FLAG_COLUMNS[flag] for flag in cases.FLAGS)
    flags = ui.labeller("flags", [], lang, STREETS, COMMUNITIES, load_rules())
    assert [flags(f) for f in cases.FLAGS] == [label("flag", f, lang) for f in cases.FLAGS]
    assert not [key for key in CATALOGUE if key.startswith("explore.flag.")]
