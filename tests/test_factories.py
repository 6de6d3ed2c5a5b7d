"""Chart and map factories are pure: DataFrame in, chart or deck out."""

import json

import pandas as pd

from dashboard import charts, maps
from sample_data.geography import STREETS, geometry_json, street_cells


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
    return pd.DataFrame(
        [
            {"id": sid, "name_zh": zh, "name_en": en, "lat": lat, "lon": lon, "geometry": geometry_json(cells[sid])}
            for sid, zh, en, lat, lon, _ in STREETS
        ]
    )


def _stations():
    return pd.DataFrame(
        {
            "kind": ["street_station", "planned_facility"],
            "name_zh": ["园岭街道未成年人保护工作站", "规划机构"],
            "name_en": ["Yuanling station", "Planned"],
            "lat": [22.559, 22.562],
            "lon": [114.091, 114.044],
        }
    )


def test_coverage_deck_needs_no_basemap_and_labels_chinese():
    deck = maps.coverage_deck(_streets(), _stations(), "zh")
    spec = json.loads(deck.to_json())
    assert spec.get("mapProvider") is None
    assert "http" not in deck.to_json(), "the deck must not point at any online resource"
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert set(layers) == {"street-cells", "stations", "street-labels"}
    assert layers["street-labels"]["characterSet"] == "auto"
    assert layers["street-labels"]["fontFamily"].startswith("Noto Sans CJK SC")
    names = [f["properties"]["name"] for f in layers["street-cells"]["data"]["features"]]
    assert "华强北" in names and len(names) == 10
    assert layers["stations"]["data"][0]["colour"] == maps.STATION_COLOURS["street_station"]


def test_street_cells_cover_each_centroid_and_stay_in_the_district():
    from shapely.geometry import Point, box

    from sample_data.geography import DISTRICT_BBOX

    cells = street_cells()
    district = box(*DISTRICT_BBOX)
    for sid, _, _, lat, lon, _ in STREETS:
        assert cells[sid].contains(Point(lon, lat)), sid
        assert district.buffer(1e-9).contains(cells[sid]), sid
    assert abs(sum(c.area for c in cells.values()) - district.area) < 1e-9
