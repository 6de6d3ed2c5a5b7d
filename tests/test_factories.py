"""Chart and map factories are pure: DataFrame in, chart or deck out."""

import json
import math
import re
from datetime import date, datetime

import pandas as pd
import pytest

from dashboard import charts, maps
from data_access import geo
from sample_data.geography import DISTRICT_BBOX, STREETS, geometry_json, street_cells


def _payments():
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-04-01", "2022-04-01", "2022-05-01"]),
            "category": ["orphan", "other_difficulty", "orphan"],
            "person_times": [14, 149, 14],
            "children": [14, 149, 14],
            "amount": [34356.0, 125309.0, 34356.0],
        }
    )


def test_subsidy_chart_is_a_stacked_bar_with_translated_labels():
    spec = charts.subsidy_by_month_chart(_payments(), "en").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["title"] == "Amount (yuan)"
    assert spec["encoding"]["color"]["scale"]["domain"][0] == "Orphans"
    values = next(iter(spec["datasets"].values()))
    assert {v["category_label"] for v in values} == {"Orphans", "Other children in difficulty"}
    zh = charts.subsidy_by_month_chart(_payments(), "zh").to_dict()
    assert zh["encoding"]["color"]["scale"]["domain"][0] == "孤儿"


def _streets():
    cells = street_cells()
    frame = pd.DataFrame(
        [
            {"id": sid, "name_zh": zh, "name_en": en, "lat": lat, "lon": lon, "geometry": geometry_json(cells[sid]),
             "geometry_crs": "WGS84"}
            for sid, zh, en, lat, lon, _ in STREETS
        ]
    )
    count = len(frame)
    return frame.assign(
        children=[9, 12, 15, 24, 28, 10, 11, 13, 20, 26][:count],
        open_cases=[3, 4, 6, 8, 1, 0, 2, 5, 7, 9][:count],
        overdue_cases=[0, 1, 0, 2, 0, 0, 1, 0, 0, 3][:count],
        communities=[7, 10, 12, 12, 13, 7, 9, 12, 5, 5][:count],
        communities_with_director=[7, 9, 12, 12, 13, 7, 9, 12, 5, 4][:count],
        supervisor=["督导员甲"] * count,
    ).assign(
        cases_per_100=lambda f: f["open_cases"] / f["children"] * 100,
        director_share=lambda f: f["communities_with_director"] / f["communities"],
    )


def _stations():
    return pd.DataFrame(
        {
            "id": [6, 5],
            "kind": ["street_station", "planned_facility"],
            "name_zh": ["园岭街道未成年人保护工作站", "规划机构"],
            "name_en": ["Yuanling station", "Planned"],
            "street_id": ["yuanling", None],
            "status": ["open", "planned"],
            "opened_on": [date(2020, 7, 26), None],
            "staff": [4, 0],
            "beds": [None, 30],
            "area_m2": [None, 2000],
            "lat": [22.559, 22.562],
            "lon": [114.091, 114.044],
        }
    )


def _communities():
    return pd.DataFrame(
        {
            "id": ["yuanling-01", "yuanling-02", "fubao-01"],
            "street_id": ["yuanling", "yuanling", "fubao"],
            "name_zh": ["园东", "红荔", "福保"],
            "name_en": ["Yuandong", "Hongli", "Fubao"],
            "street_zh": ["园岭", "园岭", "福保"],
            "street_en": ["Yuanling", "Yuanling", "Fubao"],
            "lat": [22.5696, 22.5600, 22.5150],
            "lon": [114.0868, 114.0905, 114.0490],
            "director": ["潘怡", None, "严博"],
            "has_director": [True, False, True],
            "children": [1, 2, 0],
            "open_cases": [2, 1, 0],
            "overdue_cases": [0, 1, 0],
            "last_home_visit": [datetime(2022, 6, 29, 23, 12), datetime(2022, 2, 25, 15, 2), pd.NaT],
            "days_since_visit": [0, 125, None],
            "visit_band": ["le_30", "gt_90", "none"],
        }
    )


def _orgs():
    return pd.DataFrame(
        {
            "name_zh": ["福田区心晴心理咨询中心"],
            "name_en": ["Futian Xinqing Psychological Counselling Centre"],
            "category": ["psych_counselling"],
            "street_id": ["futian"],
            "registered_on": [date(2015, 3, 2)],
            "lat": [22.53],
            "lon": [114.06],
        }
    )


def _layers(lang="zh", crs="WGS84", selected=None):
    streets = _streets()
    return [
        maps.street_cells_layer(streets, "children", lang, selected, crs),
        maps.rings_layer(_stations().iloc[:1], 1.5, crs),
        maps.communities_layer(_communities(), lang, crs),
        maps.orgs_layer(_orgs(), lang, crs),
        maps.stations_layer(_stations(), lang, crs, {6: 7}, 1.5),
        maps.street_labels_layer(streets, lang, crs),
    ]


def _spec(deck) -> dict:
    return json.loads(deck.to_json())


def _objects(layer: dict) -> list[dict]:
    data = layer["data"]
    return [f["properties"] for f in data["features"]] if isinstance(data, dict) else data


def test_coverage_deck_needs_no_basemap_and_labels_chinese():
    deck = maps.coverage_deck(_layers(), maps.fit_view(DISTRICT_BBOX))
    spec = _spec(deck)
    assert spec.get("mapProvider") is None
    assert "http" not in deck.to_json(), "the deck must not point at any online resource"
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert list(layers) == ["street-cells", "service-rings", "communities", "social-orgs", "stations", "street-labels"]
    assert layers["street-labels"]["characterSet"] == "auto"
    assert layers["street-labels"]["fontFamily"].startswith("Noto Sans CJK SC")
    names = [f["properties"]["name"] for f in layers["street-cells"]["data"]["features"]]
    assert "华强北" in names and len(names) == 10
    assert layers["stations"]["data"][0]["colour"] == maps.STATION_COLOURS["street_station"]


def test_every_pickable_object_carries_the_tooltip_fields():
    spec = _spec(maps.coverage_deck(_layers(), maps.fit_view(DISTRICT_BBOX)))
    fields = set(re.findall(r"{(\w+)}", maps.TOOLTIP["text"]))
    assert fields == {"name", "kind", "detail"}
    pickable = [layer for layer in spec["layers"] if layer.get("pickable")]
    assert {layer["id"] for layer in pickable} == {"street-cells", "communities", "social-orgs", "stations"}
    for layer in pickable:
        for obj in _objects(layer):
            assert all(isinstance(obj[f], str) and obj[f] for f in fields), (layer["id"], obj)
            assert "street_id" in obj


def test_tooltips_follow_the_language():
    zh = {layer["id"]: _objects(layer) for layer in _spec(maps.coverage_deck(_layers("zh"), maps.fit_view(DISTRICT_BBOX)))["layers"]}
    en = {layer["id"]: _objects(layer) for layer in _spec(maps.coverage_deck(_layers("en"), maps.fit_view(DISTRICT_BBOX)))["layers"]}
    assert zh["street-cells"][0]["kind"] == "在册困境儿童：9"
    assert en["street-cells"][0]["kind"] == "Children in difficulty: 9"
    assert "督导员：督导员甲" in zh["street-cells"][0]["detail"]
    station = next(s for s in en["stations"] if s["name"] == "Yuanling station")
    assert station["detail"].splitlines() == ["Opened: 2020-07-26", "Staff in post: 4", "Communities within 1.5 km: 7"]
    planned = next(s for s in zh["stations"] if s["name"] == "规划机构")
    assert planned["detail"].splitlines()[0] == "规划中，尚未启用" and "床位：30" in planned["detail"]
    assert zh["communities"][0]["detail"].splitlines()[:2] == ["儿童主任：潘怡", "最近入户走访：2022-06-29（0 天前）"]
    assert zh["communities"][1]["detail"].startswith("未配备在岗儿童主任")
    assert en["communities"][2]["detail"].splitlines()[1] == "No home visit recorded"
    assert en["social-orgs"][0]["kind"] == "Psychological counselling"


def test_metric_classes_darken_with_the_metric():
    values = pd.Series([9, 12, 15, 24, 28])
    classes = maps.metric_classes(values, "children", "zh")
    ranks = [maps.METRIC_RAMP.index(colour) for colour in classes.colours]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == len(maps.METRIC_RAMP) - 1
    labels = [text for _, text in classes.legend]
    assert labels[0].startswith("9") and labels[-1].endswith("28") and len(labels) == 5


def test_director_share_is_darker_where_it_is_lower_and_missing_values_are_grey():
    classes = maps.metric_classes(pd.Series([0.8, 1.0, None]), "director_share", "en")
    assert maps.METRIC_RAMP.index(classes.colours[0]) > maps.METRIC_RAMP.index(classes.colours[1])
    assert classes.colours[2] == maps.NO_DATA
    assert classes.legend[-1] == (maps.NO_DATA, "No data")
    assert classes.legend[0][1].startswith("80%")


def test_one_value_everywhere_is_one_light_class():
    classes = maps.metric_classes(pd.Series([1.0, 1.0]), "director_share", "zh")
    assert classes.legend == [(maps.METRIC_RAMP[1], "100%")]


def test_small_counts_get_one_class_per_value():
    classes = maps.metric_classes(pd.Series([0, 1, 2, 1]), "overdue_cases", "zh")
    assert [text for _, text in classes.legend] == ["0", "1", "2"]


def test_the_selected_street_is_outlined():
    cells = _spec(maps.coverage_deck(_layers(selected="fubao"), maps.fit_view(DISTRICT_BBOX)))["layers"][0]
    by_id = {f["properties"]["street_id"]: f["properties"] for f in cells["data"]["features"]}
    assert by_id["fubao"]["line"] == maps.SELECTED_LINE and by_id["fubao"]["line_width"] == 3
    assert by_id["futian"]["line_width"] == 1
    assert all(p["fill"][3] == maps.CELL_ALPHA for p in by_id.values())


def test_communities_show_visits_and_missing_directors():
    layer = _spec(maps.coverage_deck([maps.communities_layer(_communities(), "zh")], maps.fit_view(DISTRICT_BBOX)))
    objects = layer["layers"][0]["data"]
    assert [o["colour"] for o in objects] == [maps.VISIT_COLOURS[b] for b in ("le_30", "gt_90", "none")]
    assert objects[1]["line"] == maps.NO_DIRECTOR_LINE and objects[1]["line_width"] > objects[0]["line_width"]


def test_rings_are_in_metres_and_do_not_catch_clicks():
    ring = _spec(maps.coverage_deck([maps.rings_layer(_stations(), 2.5)], maps.fit_view(DISTRICT_BBOX)))["layers"][0]
    assert ring["getRadius"] == 2500 and ring["radiusUnits"] == "meters" and ring["pickable"] is False


def test_everything_drawn_moves_to_the_basemap_system():
    wgs = {layer["id"]: layer for layer in _spec(maps.coverage_deck(_layers(), maps.fit_view(DISTRICT_BBOX)))["layers"]}
    gcj = {layer["id"]: layer for layer in _spec(maps.coverage_deck(_layers(crs="GCJ02"), maps.fit_view(DISTRICT_BBOX)))["layers"]}
    for layer_id in ("service-rings", "communities", "social-orgs", "stations", "street-labels"):
        for before, after in zip(wgs[layer_id]["data"], gcj[layer_id]["data"]):
            assert 0.0045 < after["lon"] - before["lon"] < 0.0055, layer_id
            assert -0.0030 < after["lat"] - before["lat"] < -0.0024, layer_id
    before = wgs["street-cells"]["data"]["features"][0]["geometry"]["coordinates"][0][0]
    after = gcj["street-cells"]["data"]["features"][0]["geometry"]["coordinates"][0][0]
    assert 0.0045 < after[0] - before[0] < 0.0055


def test_a_configured_basemap_is_the_only_online_resource():
    deck = maps.coverage_deck(_layers(crs="GCJ02"), maps.fit_view(DISTRICT_BBOX), "https://tiles.example.cn/style.json")
    spec = _spec(deck)
    assert spec["mapStyle"] == "https://tiles.example.cn/style.json"
    assert spec["mapProvider"] is not None


def test_legend_has_an_entry_per_colour_drawn():
    sections = maps.legend(list(maps.LAYERS), maps.metric_classes(_streets()["children"], "children", "zh").legend,
                           "children", 1.5, "zh")
    titles = [s.title for s in sections]
    assert titles[0] == "街道：在册困境儿童（示意范围）"
    assert titles[1:] == ["站点", "服务圈", "社区：最近一次入户走访", "", "社会组织"]
    stations = sections[1]
    assert [c for c, _ in stations.entries] == list(maps.STATION_COLOURS.values())
    assert sections[2].entries[0][1] == "街道工作站周边 1.5 公里"
    assert [c for c, _ in sections[3].entries] == list(maps.VISIT_COLOURS.values())
    assert sections[4].entries == [(maps.NO_DIRECTOR_LINE, "黑色粗边：未配备在岗儿童主任")]
    html = maps.legend_html(sections)
    assert all(text in html for s in sections for _, text in s.entries)
    only = maps.legend(["rings"], [], "children", 2, "en", official=True)
    assert [s.title for s in only] == ["Service rings"] and only[0].entries[0][1] == "2 km around a street station"
    official = maps.legend(["streets"], [], "children", 2, "en", official=True)
    assert official[0].title == "Streets: Children in difficulty"


@pytest.mark.parametrize("raw, expected", [("children", "children"), ("Overdue_Cases", "overdue_cases"),
                                           ("bogus", None), ("", None)])
def test_parse_metric(raw, expected):
    assert maps.parse_metric(raw) == expected


@pytest.mark.parametrize("raw, expected", [("1.5", 1.5), ("2", 2.0), ("0.5", 0.5), ("5", 5.0), ("1.25", 1.2),
                                           ("3km", 3.0), ("0.4", None), ("99", None), ("abc", None), ("nan", None),
                                           ("inf", None)])
def test_parse_radius(raw, expected):
    assert maps.parse_radius(raw) == expected


def test_parse_layers():
    assert maps.parse_layers("rings,streets") == (["streets", "rings"], [])
    assert maps.parse_layers("streets, sky ,orgs") == (["streets", "orgs"], ["sky"])
    assert maps.parse_layers("") == ([], [])


def test_street_from_selection():
    assert maps.street_from_selection({"objects": {"street-cells": [{"properties": {"street_id": "fubao"}}]}}) == "fubao"
    assert maps.street_from_selection({"objects": {"stations": [{"street_id": "futian", "name": "x"}]}}) == "futian"
    assert maps.street_from_selection({"objects": {"stations": [{"street_id": "", "name": "centre"}]}}) is None
    assert maps.street_from_selection({"indices": {}, "objects": {}}) is None
    assert maps.street_from_selection(None) is None


def test_fit_view_shows_the_whole_district():
    view = maps.fit_view(DISTRICT_BBOX, width=600, height=620)
    assert view.longitude == pytest.approx((DISTRICT_BBOX[0] + DISTRICT_BBOX[2]) / 2)
    # 0.1145 degrees of longitude in 600 px, with a world 512 px wide at zoom 0: log2(600 * 360 / 512 / 0.1145)
    assert view.zoom == pytest.approx(math.log2(600 * 360 / 512 / 0.11447) - 0.1, abs=0.01)
    street = maps.cell_bounds(_streets().iloc[[8]])
    assert maps.fit_view(street).zoom > view.zoom + 1


def test_boundary_messages_name_the_file_and_the_problem():
    error = geo.BoundaryError("missing_streets", streets="园岭、南园", streets_en="Yuanling, Nanyuan")
    assert maps.boundary_message(error, "/srv/streets.json", "zh") == (
        "街道边界文件 /srv/streets.json 中找不到这些街道：园岭、南园，已改用示意街道范围。")
    assert "lacks these streets: Yuanling, Nanyuan" in maps.boundary_message(error, "/srv/streets.json", "en")
    outside = geo.BoundaryError("outside", crs="WGS84", bounds="lon 1–2, lat 3–4", district="lon 5–6, lat 7–8")
    assert "/srv/streets.json" in maps.boundary_message(outside, "/srv/streets.json", "en")


def test_street_cells_cover_each_centroid_and_stay_in_the_district():
    from shapely.geometry import Point, box

    cells = street_cells()
    district = box(*DISTRICT_BBOX)
    for sid, _, _, lat, lon, _ in STREETS:
        assert cells[sid].contains(Point(lon, lat)), sid
        assert district.buffer(1e-9).contains(cells[sid]), sid
    assert abs(sum(c.area for c in cells.values()) - district.area) < 1e-9


def visible_bounds(view, width: int, height: int) -> tuple[float, float, float, float]:
    """What a map of ``width`` x ``height`` pixels shows at ``view`` (Web Mercator, 512 px world at zoom 0)."""
    degrees_per_px = 360 / (512 * 2 ** view.zoom)
    half_lon = width / 2 * degrees_per_px
    half_lat = height / 2 * degrees_per_px * math.cos(math.radians(view.latitude))
    return (view.longitude - half_lon, view.latitude - half_lat, view.longitude + half_lon, view.latitude + half_lat)


@pytest.mark.parametrize("index", [None, *range(10)])
def test_the_view_shows_all_of_the_district_or_the_chosen_street_and_fills_the_frame(index):
    streets = _streets()
    focus = streets if index is None else streets.iloc[[index]]
    bounds = maps.cell_bounds(focus)
    height = maps.fitting_height(bounds)
    assert maps.MAP_HEIGHTS[0] <= height <= maps.MAP_HEIGHTS[1]
    view = maps.fit_view(bounds, width=maps.MAP_WIDTH, height=height)
    shown = visible_bounds(view, maps.MAP_WIDTH, height)
    assert shown[0] <= bounds[0] and shown[1] <= bounds[1] and shown[2] >= bounds[2] and shown[3] >= bounds[3]
    # ...and the area is not lost in the frame: it spans most of the width or most of the height
    spans = ((bounds[2] - bounds[0]) / (shown[2] - shown[0]), (bounds[3] - bounds[1]) / (shown[3] - shown[1]))
    assert max(spans) > 0.8, spans


def test_the_map_deck_needs_no_provider_offline():
    streets = _streets()
    view = maps.fit_view(maps.cell_bounds(streets), width=maps.MAP_WIDTH, height=maps.fitting_height(
        maps.cell_bounds(streets)))
    spec = json.loads(maps.coverage_deck([maps.street_cells_layer(streets, "children", "zh")], view).to_json())
    assert spec.get("mapProvider") in (None, "") and spec["initialViewState"]["zoom"] == view.zoom
