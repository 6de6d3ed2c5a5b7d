"""Coordinate systems of Chinese web maps, and official boundary files.

WGS84 is what GPS and most international maps use; GCJ-02 is the obfuscated system every map
published in China must use (AMap, Tencent, DataV); BD-09 is Baidu's further offset of GCJ-02.
In Futian GCJ-02 lies about 500 m east-south-east of WGS84. The WGS84 -> GCJ-02 formula is the
standard public one; it has no closed-form inverse, so GCJ-02 -> WGS84 iterates it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

CRS_NAMES = ("WGS84", "GCJ02", "BD09")
# Futian's bounding box in WGS84 (lon_min, lat_min, lon_max, lat_max), from DOMAIN.md: the default
# where no district is known; a database's own district (data_access.district) comes first.
DISTRICT_BBOX = (113.98559, 22.50223, 114.10006, 22.59025)
# How far (degrees, about 100 m) a boundary may reach past the box: official and derived outlines
# differ by tens of metres, while a file in the wrong system is off by about 500 m.
BBOX_MARGIN = 0.001

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def normalise_crs(name: str | None) -> str | None:
    """'gcj-02', 'GCJ02', 'wgs 84' ... -> a name from CRS_NAMES, or None when unknown."""
    if not name:
        return None
    key = "".join(ch for ch in name.upper() if ch.isalnum())
    return key if key in CRS_NAMES else None


def _out_of_china(lon, lat):
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lat = _delta_lat(lon - 105.0, lat - 35.0)
    d_lon = _delta_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def gcj02_to_wgs84(lon, lat, tolerance: float = 1e-9, max_rounds: int = 30):
    """Invert wgs84_to_gcj02 by fixed-point iteration; converges to well under a millimetre."""
    target_lon, target_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    guess_lon, guess_lat = target_lon.copy(), target_lat.copy()
    for _ in range(max_rounds):
        forward_lon, forward_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        err_lon, err_lat = forward_lon - target_lon, forward_lat - target_lat
        guess_lon, guess_lat = guess_lon - err_lon, guess_lat - err_lat
        if max(np.max(np.abs(err_lon), initial=0), np.max(np.abs(err_lat), initial=0)) < tolerance:
            break
    return guess_lon, guess_lat


def gcj02_to_bd09(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


_TO_WGS84 = {
    "WGS84": lambda lon, lat: (np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)),
    "GCJ02": gcj02_to_wgs84,
    "BD09": lambda lon, lat: gcj02_to_wgs84(*bd09_to_gcj02(lon, lat)),
}
_FROM_WGS84 = {
    "WGS84": lambda lon, lat: (np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)),
    "GCJ02": wgs84_to_gcj02,
    "BD09": lambda lon, lat: gcj02_to_bd09(*wgs84_to_gcj02(lon, lat)),
}


def convert(lon, lat, source: str, target: str):
    """Convert longitudes and latitudes (scalars or arrays) between WGS84, GCJ02 and BD09."""
    if source not in CRS_NAMES or target not in CRS_NAMES:
        raise ValueError(f"unknown coordinate system: {source if source not in CRS_NAMES else target}")
    if source == target:
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if {source, target} == {"GCJ02", "BD09"}:
        return gcj02_to_bd09(lon, lat) if target == "BD09" else bd09_to_gcj02(lon, lat)
    return _FROM_WGS84[target](*_TO_WGS84[source](lon, lat))


def convert_geometry(geometry: shapely.Geometry, source: str, target: str) -> shapely.Geometry:
    if source == target:
        return geometry

    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = convert(coords[:, 0], coords[:, 1], source, target)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, move)


def convert_geojson(geometry: dict, source: str, target: str) -> dict:
    """A GeoJSON geometry mapping in another coordinate system."""
    return mapping(convert_geometry(shape(geometry), source, target))


# --- official boundary files ----------------------------------------------------------------

NAME_PROPERTIES = ("street_id", "id", "NAME", "name", "name_zh", "JDNAME", "街道", "街道名称")


class BoundaryError(ValueError):
    """A boundary file that cannot be used. ``problem`` names the kind, ``values`` fill the message."""

    def __init__(self, problem: str, **values: object):
        self.problem = problem
        self.values = values
        super().__init__(f"{problem}: {values}")


@dataclass(frozen=True)
class StreetName:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Boundaries:
    """Street polygons from an official file, as GeoJSON geometries in WGS84, keyed by street id."""

    cells: dict[str, dict] = field(default_factory=dict)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def _features(document) -> list[dict]:
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
    elif isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, list):
        features = document
    else:
        features = None
    if not isinstance(features, list) or not features or not all(
        isinstance(f, dict) and f.get("type") == "Feature" and isinstance(f.get("geometry"), dict) for f in features
    ):
        raise BoundaryError("not_geojson")
    return features


def _key(text: object) -> str:
    return str(text).strip().removesuffix("街道").lower()


def _street_of(properties: dict, lookup: dict[str, str]) -> str | None:
    for name in NAME_PROPERTIES:
        value = properties.get(name)
        if value is not None and _key(value) in lookup:
            return lookup[_key(value)]
    return None


def read_boundary_file(path: Path, crs: str | None, streets: Iterable[StreetName],
                       district_bbox: tuple[float, float, float, float] = DISTRICT_BBOX) -> Boundaries:
    """Read a GeoJSON file of street polygons in ``crs`` and return them in WGS84.

    Features are matched to streets by a name property (NAME, name, JDNAME, ...) holding the
    street's id, Chinese name (with or without 街道) or English name. Every street must be there,
    and every coordinate must fall inside the district once converted.
    """
    source = normalise_crs(crs)
    if source is None:
        raise BoundaryError("unknown_crs", crs=crs or "", allowed=", ".join(CRS_NAMES))
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BoundaryError("unreadable", detail=getattr(exc, "strerror", None) or type(exc).__name__) from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BoundaryError("not_geojson") from exc
    streets = list(streets)
    lookup = {}
    for street in streets:
        for name in (street.id, street.name_zh, street.name_en):
            lookup[_key(name)] = street.id
    geometries: dict[str, list[shapely.Geometry]] = {}
    for feature in _features(document):
        street_id = _street_of(feature.get("properties") or {}, lookup)
        if street_id is None:
            continue
        try:
            geometry = shape(feature["geometry"])
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
            raise BoundaryError("not_geojson") from exc
        geometries.setdefault(street_id, []).append(convert_geometry(geometry, source, "WGS84"))
    missing = [s for s in streets if s.id not in geometries]
    if missing:
        raise BoundaryError("missing_streets", streets="、".join(s.name_zh for s in missing),
                            streets_en=", ".join(s.name_en for s in missing))
    merged = {sid: shapely.union_all(parts) for sid, parts in geometries.items()}
    bounds = shapely.union_all(list(merged.values())).bounds
    if not within_district(bounds, district_bbox=district_bbox):
        raise BoundaryError("outside", crs=source, bounds=format_bounds(bounds), district=format_bounds(district_bbox))
    return Boundaries({sid: mapping(geometry) for sid, geometry in merged.items()}, bounds)


def within_district(bounds: tuple[float, float, float, float], margin: float = BBOX_MARGIN,
                    district_bbox: tuple[float, float, float, float] = DISTRICT_BBOX) -> bool:
    lon_min, lat_min, lon_max, lat_max = district_bbox
    return (bounds[0] >= lon_min - margin and bounds[1] >= lat_min - margin
            and bounds[2] <= lon_max + margin and bounds[3] <= lat_max + margin)


def format_bounds(bounds: tuple[float, float, float, float]) -> str:
    return f"lon {bounds[0]:.5f}–{bounds[2]:.5f}, lat {bounds[1]:.5f}–{bounds[3]:.5f}"
