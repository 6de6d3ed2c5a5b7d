"""Coordinate conversion between WGS84, GCJ-02 and BD-09, and reading official boundary files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.affinity import translate
from shapely.geometry import mapping, shape

from data_access import geo
from data_access.coverage import haversine_m
from sample_data.geography import DISTRICT_BBOX, STREETS, street_cells

CANDIDATES = Path("/work/shared/geo_candidates")
STREET_NAMES = [geo.StreetName(sid, zh, en) for sid, zh, en, *_ in STREETS]


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (lon, lat) points."""
    return float(haversine_m(a[1], a[0], b[1], b[0]))


def converted(lon: float, lat: float, source: str, target: str) -> tuple[float, float]:
    x, y = geo.convert(lon, lat, source, target)
    return float(x), float(y)


# Published reference values. coordtransform: the widely used JavaScript library's own test output
# for (116.404, 39.915); Aliyun address service TransferCoord example (one point in all three
# systems, 6 decimals); map.yiweihang.com offset service example (WGS84 -> GCJ-02).
REFERENCES = [
    ((116.404, 39.915), "WGS84", "GCJ02", (116.41024449916938, 39.91640428150164)),
    ((116.404, 39.915), "GCJ02", "BD09", (116.41036949371029, 39.92133699351021)),
    ((116.404, 39.915), "BD09", "GCJ02", (116.39762729119315, 39.90865673957631)),
    ((120.021519, 30.281543), "WGS84", "GCJ02", (120.026268, 30.279164)),
    ((120.026268, 30.279164), "GCJ02", "WGS84", (120.021519, 30.281543)),
    ((120.026268, 30.279164), "GCJ02", "BD09", (120.032768, 30.285238)),
    ((120.032768, 30.285238), "BD09", "WGS84", (120.021519, 30.281543)),
    ((120.021519, 30.281543), "WGS84", "BD09", (120.032768, 30.285238)),
    ((116.36657, 39.95094), "WGS84", "GCJ02", (116.372789, 39.952320)),
]


@pytest.mark.parametrize("point, source, target, expected", REFERENCES)
def test_conversion_matches_published_reference_points_within_2_m(point, source, target, expected):
    assert metres_between(converted(*point, source, target), expected) < 2.0


@pytest.mark.parametrize("crs, tolerance_m", [("GCJ02", 0.01), ("BD09", 0.1)])
def test_round_trips_in_futian_are_exact_to_centimetres(crs, tolerance_m):
    """GCJ-02 is inverted by iteration; the standard BD-09 inverse is a closed-form approximation."""
    lon = np.linspace(DISTRICT_BBOX[0], DISTRICT_BBOX[2], 7)
    lat = np.linspace(DISTRICT_BBOX[1], DISTRICT_BBOX[3], 7)
    back = geo.convert(*geo.convert(lon, lat, "WGS84", crs), crs, "WGS84")
    assert np.max(haversine_m(lat, lon, back[1], back[0])) < tolerance_m


def test_the_offset_in_futian_is_the_one_domain_md_describes():
    lon, lat = converted(114.05, 22.54, "WGS84", "GCJ02")
    assert 0.0045 < lon - 114.05 < 0.0055
    assert -0.0030 < lat - 22.54 < -0.0024
    assert 450 < metres_between((lon, lat), (114.05, 22.54)) < 650


def test_points_outside_china_are_not_moved_and_arrays_keep_their_shape():
    assert converted(2.35, 48.85, "WGS84", "GCJ02") == (2.35, 48.85)
    lon, lat = geo.convert(np.array([114.0, 114.1]), np.array([22.5, 22.6]), "WGS84", "BD09")
    assert lon.shape == lat.shape == (2,)


def test_crs_names():
    assert geo.normalise_crs("gcj-02") == "GCJ02"
    assert geo.normalise_crs("WGS 84") == "WGS84"
    assert geo.normalise_crs("bd09") == "BD09"
    assert geo.normalise_crs("EPSG:3857") is None
    assert geo.normalise_crs("") is None
    with pytest.raises(ValueError, match="MARS"):
        geo.convert(114.0, 22.5, "MARS", "WGS84")


def test_district_box_matches_the_sample_geography():
    assert geo.DISTRICT_BBOX == DISTRICT_BBOX


# --- boundary files -------------------------------------------------------------------------------


def schematic_collection(crs: str = "WGS84", name_key: str = "NAME", suffix: str = "") -> dict:
    cells = street_cells()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {name_key: zh + suffix},
         "geometry": mapping(geo.convert_geometry(cells[sid], "WGS84", crs))}
        for sid, zh, *_ in STREETS
    ]}


def write(tmp_path: Path, content, name: str = "boundaries.geojson") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.parametrize("crs", ["WGS84", "GCJ02", "BD09"])
def test_a_file_in_any_declared_system_comes_back_in_wgs84(tmp_path, crs):
    path = write(tmp_path, schematic_collection(crs, suffix="街道"))
    boundaries = geo.read_boundary_file(path, crs, STREET_NAMES)
    assert set(boundaries.cells) == {s.id for s in STREET_NAMES}
    original = street_cells()["futian"]
    back = shape(boundaries.cells["futian"])
    assert original.hausdorff_distance(back) < 1e-6  # degrees: about 10 cm


def test_features_match_by_english_name_or_id_too(tmp_path):
    document = schematic_collection()
    for feature, (sid, _, en, *_) in zip(document["features"], STREETS):
        feature["properties"] = {"name": en.upper()} if sid != "fubao" else {"street_id": "fubao"}
    assert len(geo.read_boundary_file(write(tmp_path, document), "WGS84", STREET_NAMES).cells) == 10


@pytest.mark.parametrize(
    "content, crs, problem",
    [
        (None, "WGS84", "unreadable"),
        (b"\xff\xfe\x00garbage", "WGS84", "unreadable"),
        ("this is not json", "WGS84", "not_geojson"),
        ({"type": "Topology", "objects": {}}, "WGS84", "not_geojson"),
        ({"type": "FeatureCollection", "features": []}, "WGS84", "not_geojson"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"NAME": "福田"},
                                                     "geometry": {"type": "Polygon", "coordinates": "x"}}]},
         "WGS84", "not_geojson"),
        ("schematic", "MARS", "unknown_crs"),
        ("schematic", "", "unknown_crs"),
    ],
)
def test_bad_files_are_refused_with_the_kind_of_problem(tmp_path, content, crs, problem):
    if content is None:
        path = tmp_path / "missing.geojson"
    else:
        path = write(tmp_path, schematic_collection() if content == "schematic" else content)
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(path, crs, STREET_NAMES)
    assert caught.value.problem == problem


def test_a_file_without_some_streets_names_them(tmp_path):
    document = schematic_collection()
    document["features"] = document["features"][2:]
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(write(tmp_path, document), "WGS84", STREET_NAMES)
    assert caught.value.problem == "missing_streets"
    assert caught.value.values["streets"] == "园岭、南园"
    assert caught.value.values["streets_en"] == "Yuanling, Nanyuan"


def test_coordinates_elsewhere_are_outside_the_district(tmp_path):
    document = schematic_collection()
    for feature in document["features"]:
        feature["geometry"] = mapping(translate(shape(feature["geometry"]), xoff=2.0))
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(write(tmp_path, document), "WGS84", STREET_NAMES)
    assert caught.value.problem == "outside"
    assert caught.value.values["bounds"].startswith("lon 115.98559")


@pytest.mark.parametrize("written, declared", [("GCJ02", "WGS84"), ("WGS84", "GCJ02"), ("WGS84", "BD09")])
def test_a_file_declared_in_the_wrong_system_falls_outside(tmp_path, written, declared):
    path = write(tmp_path, schematic_collection(written))
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(path, declared, STREET_NAMES)
    assert caught.value.problem == "outside"


# --- the real boundary candidates (unknown licence: read in place, never copied) --------------------

needs_candidates = pytest.mark.skipif(not CANDIDATES.is_dir(), reason=f"{CANDIDATES} is not present")


@needs_candidates
def test_converting_the_gcj02_street_file_reproduces_the_wgs84_one_within_2_m():
    gcj = json.loads((CANDIDATES / "futian_streets_gcj02.geojson").read_text(encoding="utf-8"))
    wgs = json.loads((CANDIDATES / "futian_streets_wgs84_derived.geojson").read_text(encoding="utf-8"))
    by_name = {f["properties"]["NAME"]: f for f in wgs["features"]}
    worst = 0.0
    for feature in gcj["features"]:
        ours = geo.convert_geometry(shape(feature["geometry"]), "GCJ02", "WGS84")
        theirs = shape(by_name[feature["properties"]["NAME"]]["geometry"])
        a = np.array(list(ours.exterior.coords) if ours.geom_type == "Polygon"
                     else [c for p in ours.geoms for c in p.exterior.coords])
        b = np.array(list(theirs.exterior.coords) if theirs.geom_type == "Polygon"
                     else [c for p in theirs.geoms for c in p.exterior.coords])
        worst = max(worst, float(np.max(haversine_m(a[:, 1], a[:, 0], b[:, 1], b[:, 0]))))
    assert worst < 2.0


@needs_candidates
@pytest.mark.parametrize("name, crs", [("futian_streets_gcj02.geojson", "GCJ02"),
                                       ("futian_streets_wgs84_derived.geojson", "WGS84")])
def test_the_real_street_files_are_accepted_in_their_own_system(name, crs):
    boundaries = geo.read_boundary_file(CANDIDATES / name, crs, STREET_NAMES)
    assert len(boundaries.cells) == 10
    assert geo.within_district(boundaries.bounds)


@needs_candidates
def test_the_gcj02_street_file_declared_as_wgs84_is_refused():
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(CANDIDATES / "futian_streets_gcj02.geojson", "WGS84", STREET_NAMES)
    assert caught.value.problem == "outside"


@needs_candidates
def test_a_district_outline_is_not_a_street_file():
    with pytest.raises(geo.BoundaryError) as caught:
        geo.read_boundary_file(CANDIDATES / "futian_district_outline_datav_gcj02.json", "GCJ02", STREET_NAMES)
    assert caught.value.problem == "missing_streets"


# --- configuration ----------------------------------------------------------------------------------


def test_basemap_configuration(monkeypatch):
    from data_access import config

    for name in ("DASHBOARD_BASEMAP", "DASHBOARD_BASEMAP_CRS"):
        monkeypatch.delenv(name, raising=False)
    assert config.basemap() is None and config.basemap_crs() == "WGS84"
    monkeypatch.setenv("DASHBOARD_BASEMAP", "none")
    assert config.basemap() is None
    monkeypatch.setenv("DASHBOARD_BASEMAP", "https://webrd01.is.autonavi.com/style.json")
    assert config.basemap_crs() == "GCJ02"
    monkeypatch.setenv("DASHBOARD_BASEMAP", "https://api.map.baidu.com/style.json")
    assert config.basemap_crs() == "BD09"
    monkeypatch.setenv("DASHBOARD_BASEMAP_CRS", "wgs84")
    assert config.basemap_crs() == "wgs84"


def test_boundary_configuration(monkeypatch, tmp_path):
    from data_access import config

    monkeypatch.delenv("DASHBOARD_BOUNDARY_FILE", raising=False)
    monkeypatch.delenv("DASHBOARD_BOUNDARY_CRS", raising=False)
    assert config.boundary_file() is None and config.boundary_crs() == "WGS84"
    monkeypatch.setenv("DASHBOARD_BOUNDARY_FILE", str(tmp_path / "streets.geojson"))
    monkeypatch.setenv("DASHBOARD_BOUNDARY_CRS", " GCJ-02 ")
    assert config.boundary_file() == tmp_path / "streets.geojson"
    assert geo.normalise_crs(config.boundary_crs()) == "GCJ02"
