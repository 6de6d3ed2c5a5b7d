"""The coverage map page under AppTest: figures, URL state, the street panel, boundary files, basemaps."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import streamlit as st
from shapely.geometry import mapping
from streamlit.testing.v1 import AppTest

from dashboard.text import plain
from tests.harness import metric

from data_access import geo
from sample_data.geography import STREETS, street_cells

MAP = "views/map.py"
CANDIDATES = Path("/work/shared/geo_candidates")


@pytest.fixture
def app(app, monkeypatch):
    """The map page, with none of the map's settings."""
    for name in ("DASHBOARD_BASEMAP", "DASHBOARD_BASEMAP_CRS", "DASHBOARD_BOUNDARY_FILE", "DASHBOARD_BOUNDARY_CRS"):
        monkeypatch.delenv(name, raising=False)
    return lambda **params: app(MAP, **params)


def deck(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def layers(at: AppTest) -> dict[str, dict]:
    return {layer["id"]: layer for layer in deck(at)["layers"]}


def warnings(at: AppTest) -> str:
    return "\n".join(plain(w.value) for w in at.warning)


def captions(at: AppTest) -> str:
    return "\n".join(plain(c.value) for c in at.caption)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_and_the_coverage_figures(app, lang):
    at = app(lang=lang, period="2022Q2")
    title = "服务圈内社区" if lang == "zh" else "Communities within reach"
    assert metric(at, title) == "95.7%"
    assert ("88/92，街道工作站 1.5 公里内" if lang == "zh" else "88 of 92, within 1.5 km of a street station") in captions(at)
    assert metric(at, "圈外社区" if lang == "zh" else "Outside rings") == "4"
    assert metric(at, "缺儿童主任" if lang == "zh" else "No director") == "0"
    spec = deck(at)
    assert spec.get("mapProvider") is None and "http" not in json.dumps(spec)
    assert list(layers(at)) == ["street-cells", "service-rings", "communities", "stations", "street-labels"]
    names = [f["properties"]["name"] for f in layers(at)["street-cells"]["data"]["features"]]
    assert ("华强北" if lang == "zh" else "Huaqiangbei") in names
    assert ("街道范围为示意图" if lang == "zh" else "schematic") in captions(at)


def test_the_defaults_are_written_to_the_url(app):
    at = app()
    assert at.query_params["metric"] == "children"
    assert at.query_params["radius"] == "1.5"
    assert at.query_params["layers"] == "streets,stations,rings,communities"


def test_metric_radius_and_layers_come_from_the_url(app):
    at = app(lang="en", metric="overdue_cases", radius="2", layers="orgs,streets")
    assert list(layers(at)) == ["street-cells", "social-orgs", "street-labels"]
    assert layers(at)["street-cells"]["data"]["features"][0]["properties"]["kind"].startswith("Overdue cases:")
    assert metric(at, "Communities within reach") == "100.0%"
    assert (at.query_params["metric"], at.query_params["radius"], at.query_params["layers"]) == (
        "overdue_cases", "2.0", "streets,orgs")


def test_the_radius_sizes_the_rings(app):
    at = app(radius="0.8")
    assert layers(at)["service-rings"]["getRadius"] == 800
    assert float(metric(at, "服务圈内社区").rstrip("%")) < 95.7


@pytest.mark.parametrize(
    "params, shown, key, fallback",
    [
        ({"metric": "bogus"}, "metric=bogus", "metric", "children"),
        ({"radius": "abc"}, "radius=abc", "radius", "1.5"),
        ({"radius": "99"}, "radius=99", "radius", "1.5"),
        ({"radius": "-1"}, "radius=-1", "radius", "1.5"),
        ({"layers": "sky"}, "layers=sky", "layers", "streets,stations,rings,communities"),
        ({"layers": "streets,sky"}, "layers=sky", "layers", "streets"),
    ],
)
def test_bad_url_values_give_a_notice_and_the_default(app, params, shown, key, fallback):
    at = app(**params)
    assert shown in warnings(at)
    assert at.query_params[key] == fallback
    assert metric(at, "服务圈内社区") == "95.7%"


def test_a_street_shows_its_panel_and_links_to_its_case_queue(app):
    at = app(street="huaqiangbei", period="2022Q2", lang="en")
    assert "Huaqiangbei Street" in [s.value for s in at.subheader]
    text = "\n".join(m.value for m in at.markdown)
    assert "**Street work station**: Huaqiangbei Street Minor Protection Work Station" in text
    assert "**Street child supervisor**: " in text
    assert metric(at, "Communities within reach") == "100.0%"
    assert "5 of 5, within 1.5 km of a street station" in captions(at)
    links = {link.proto.label: link.proto for link in at.get("page_link")}
    queue = links["Open this street's crisis-case queue"]
    assert queue.page == "cases"
    assert dict(parse_qsl(queue.query_string)) == {"street": "huaqiangbei", "period": "2022Q2", "lang": "en"}
    assert links["Only this street's overdue cases"].query_string.endswith("&due=overdue")
    directors = at.dataframe[0].value
    assert list(directors["Community"]) == ["Fuqiang", "Licun", "Tongxinling", "Huahong", "Huahang"]
    cells = {f["properties"]["street_id"]: f["properties"] for f in layers(at)["street-cells"]["data"]["features"]}
    assert len(cells) == 10 and cells["huaqiangbei"]["line_width"] == 3
    assert "community-labels" in layers(at)


def test_without_a_street_the_page_says_how_to_choose_one(app):
    at = app()
    assert any("点击地图上的街道" in i.value for i in at.info)
    assert not at.get("page_link") or all(link.proto.page != "cases" for link in at.get("page_link"))


# --- boundary files and basemaps -------------------------------------------------------------------


def schematic_file(tmp_path: Path, crs: str, keep: int = 10) -> Path:
    cells = street_cells()
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": zh},
         "geometry": mapping(geo.convert_geometry(cells[sid], "WGS84", crs))}
        for sid, zh, *_ in STREETS[:keep]
    ]}
    path = tmp_path / f"streets-{crs}.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def text_file(directory: Path, content: str) -> Path:
    path = directory / "streets.geojson"
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make_file, crs, message",
    [
        (lambda d: d / "nowhere.geojson", "WGS84", "cannot be read"),
        (lambda d: text_file(d, "{not json"), "WGS84", "not valid GeoJSON"),
        (lambda d: schematic_file(d, "WGS84"), "MARS", "DASHBOARD_BOUNDARY_CRS=MARS is not valid"),
        (lambda d: schematic_file(d, "GCJ02"), "WGS84", "fall outside Futian District"),
        (lambda d: schematic_file(d, "WGS84", keep=8), "WGS84", "lacks these streets: Huaqiangbei, Fubao"),
    ],
)
def test_a_bad_boundary_file_gives_a_warning_and_the_schematic_cells(app, monkeypatch, tmp_path, make_file, crs,
                                                                      message):
    path = make_file(tmp_path)
    monkeypatch.setenv("DASHBOARD_BOUNDARY_FILE", str(path))
    monkeypatch.setenv("DASHBOARD_BOUNDARY_CRS", crs)
    at = app(lang="en")
    assert message in warnings(at) and str(path) in warnings(at)
    assert "Street cells are schematic" in captions(at)
    assert len(layers(at)["street-cells"]["data"]["features"]) == 10


def test_a_good_boundary_file_replaces_the_schematic_cells(app, monkeypatch, tmp_path):
    path = schematic_file(tmp_path, "BD09")
    monkeypatch.setenv("DASHBOARD_BOUNDARY_FILE", str(path))
    monkeypatch.setenv("DASHBOARD_BOUNDARY_CRS", "bd-09")
    at = app(lang="en")
    assert not at.warning
    assert f"official file {path.name} (bd-09)" in captions(at)
    first = layers(at)["street-cells"]["data"]["features"][0]["geometry"]["coordinates"][0][0]
    schematic = mapping(street_cells()["yuanling"])["coordinates"][0]
    assert min(abs(first[0] - x) + abs(first[1] - y) for x, y in schematic) < 1e-5


@pytest.mark.skipif(not CANDIDATES.is_dir(), reason=f"{CANDIDATES} is not present")
def test_a_real_gcj02_street_file_is_drawn_in_wgs84(app, monkeypatch):
    monkeypatch.setenv("DASHBOARD_BOUNDARY_FILE", str(CANDIDATES / "futian_streets_gcj02.geojson"))
    monkeypatch.setenv("DASHBOARD_BOUNDARY_CRS", "GCJ02")
    at = app()
    assert not at.warning
    assert "官方文件 futian_streets_gcj02.geojson（GCJ02）" in captions(at)
    coordinates = json.dumps(layers(at)["street-cells"]["data"])
    assert "114.10498" not in coordinates  # the file's GCJ-02 east edge, about 500 m east of the WGS84 one


def test_an_online_basemap_in_gcj02_moves_everything_onto_it(app, monkeypatch):
    plain = layers(app())["stations"]["data"]
    monkeypatch.setenv("DASHBOARD_BASEMAP", "https://webrd01.is.autonavi.com/style.json")
    st.cache_data.clear()
    at = app(lang="en")
    spec = deck(at)
    assert spec["mapStyle"] == "https://webrd01.is.autonavi.com/style.json"
    moved = layers(at)["stations"]["data"]
    assert all(0.0045 < b["lon"] - a["lon"] < 0.0055 for a, b in zip(plain, moved))
    assert "(GCJ02)" in captions(at)


def test_a_bad_basemap_crs_warns_and_draws_in_wgs84(app, monkeypatch):
    monkeypatch.setenv("DASHBOARD_BASEMAP", "https://tiles.example.org/style.json")
    monkeypatch.setenv("DASHBOARD_BASEMAP_CRS", "EPSG:3857")
    at = app(lang="en")
    assert "DASHBOARD_BASEMAP_CRS=EPSG:3857 is not valid" in warnings(at)
    assert "(WGS84)" in captions(at)


def test_the_street_panel_and_coverage_name_the_street_as_a_street(app):
    at = app(street="shatou", period="2022Q2")
    assert "沙头街道" in [plain(s.value) for s in at.subheader]
    assert any(plain(m.value).endswith("· 沙头街道") for m in at.markdown)
